/**
 * The typed view of one "ECS Task State Change" event: only the fields the
 * exporter reads. Timestamps stay as the raw strings of the event and are
 * parsed on demand, because most events need none of them.
 */
import type { TaskLabels } from './task-labels.js';

export interface EcsTaskEvent {
  readonly taskArn: string;
  readonly version: number;
  readonly lastStatus: string;
  /** Event `time` in milliseconds since the epoch; NaN when absent or unparseable. */
  readonly timeMs: number;
  readonly labels: TaskLabels;
  readonly stopCode: string | undefined;
  readonly stoppedReason: string | undefined;
  /** The `reason` texts of the task's containers, in order; read for STOPPED events only. */
  readonly containerReasons: readonly string[];
  /** Containers with an integer `exitCode` in this event: name, then exit code. */
  readonly exits: readonly (readonly [name: string, exitCode: number])[];
  readonly createdAt: string | undefined;
  readonly pullStartedAt: string | undefined;
  readonly pullStoppedAt: string | undefined;
  readonly startedAt: string | undefined;
  readonly executionStoppedAt: string | undefined;
  readonly stoppedAt: string | undefined;
}

export const TASK_EVENT_DETAIL_TYPE = 'ECS Task State Change';
