/**
 * The task durations whose two ends one event carries: each is observed once
 * per task, from the first event that has both. The tracker measures them by
 * these fields, and check-pattern reports a pattern that lets no such event
 * through, so a duration added here is judged too.
 */
import { TASK_IMAGE_PULL_DURATION, TASK_STARTUP_DURATION } from './task-metrics.js';

/** The fields of a task event that hold a time as ECS wrote it. */
type TimeField = 'createdAt' | 'pullStartedAt' | 'pullStoppedAt' | 'startedAt';

export const STARTUP = {
  metric: TASK_STARTUP_DURATION,
  fields: ['createdAt', 'startedAt'],
} as const satisfies CarriedDuration;
export const IMAGE_PULL = {
  metric: TASK_IMAGE_PULL_DURATION,
  fields: ['pullStartedAt', 'pullStoppedAt'],
} as const satisfies CarriedDuration;

interface CarriedDuration {
  readonly metric: string;
  readonly fields: readonly [from: TimeField, to: TimeField];
}

/** In the order check-pattern reports them. */
export const CARRIED_DURATIONS: readonly CarriedDuration[] = [STARTUP, IMAGE_PULL];
