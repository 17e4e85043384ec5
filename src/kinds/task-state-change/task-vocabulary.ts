/**
 * The closed sets of values a task state change event brings: the statuses,
 * stop codes and launch types ECS documents, and the exit codes kept as
 * numbers. The one place each is written; labels, docs and help derive from it.
 */
/** Statuses ECS documents for a task, in lifecycle order. */
export const KNOWN_TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
  'DELETED',
] as const;

/** Stop codes ECS documents for a task, and `none` for a stop without one. */
export const KNOWN_STOP_CODES = [
  'none',
  'TaskFailedToStart',
  'EssentialContainerExited',
  'UserInitiated',
  'ServiceSchedulerInitiated',
  'SpotInterruption',
  'TerminationNotice',
] as const;

/** Launch types ECS documents for a task, and empty when the event has none. */
export type KnownStopCode = (typeof KNOWN_STOP_CODES)[number];

export const KNOWN_LAUNCH_TYPES = ['', 'EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const;

/** Exit codes kept as numbers in `exit_code` (the contract's list); any other is `other`. */
export const EXIT_CODES = [0, 1, 2, 126, 127, 130, 134, 137, 139, 143, 255] as const;

const KEPT_EXIT_CODES: ReadonlySet<number> = new Set(EXIT_CODES);

/** The `exit_code` label of an exit code. */
export function exitCodeLabel(exitCode: number): string {
  return KEPT_EXIT_CODES.has(exitCode) ? String(exitCode) : 'other';
}
