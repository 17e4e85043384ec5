/**
 * The metric families of task state changes, and the sink that records the
 * tracker's facts into them. Names and labels are fixed by the metrics
 * contract.
 */
import { counter, histogram, type MetricSpec } from '../../metrics/metric-spec.js';
import type { Workload } from '../../metrics/series-lifecycle.js';
import type { Exemplar, Family, LabelValues, SeriesStore } from '../../metrics/series-store.js';
import type { StopReasonName } from './stop-reason.js';
import type { EcsTaskEvent } from './task-event.js';
import { taskIdOf } from './task-key.js';
import { EXIT_CODES, exitCodeLabel, type KnownStopCode } from './task-vocabulary.js';
import type { WorkloadHolds } from './tracker.js';

/** Labels on every task metric, in this order: interned together per task workload. */
export const TASK_LABEL_NAMES = [
  'aws_account_id',
  'aws_region',
  'ecs_cluster',
  'ecs_service',
  'family',
  'launch_type',
] as const;

/** Where `ecs_service` is among the task labels. */
const SERVICE_INDEX = TASK_LABEL_NAMES.indexOf('ecs_service');

const withTaskLabels = (...extra: string[]): readonly string[] => [...TASK_LABEL_NAMES, ...extra];

export const TASK_STATE_TRANSITIONS = 'ecs_task_state_transitions_total';
export const TASK_STOPPED = 'ecs_task_stopped_total';
export const TASK_IMAGE_PULL_DURATION = 'ecs_task_image_pull_duration_seconds';
export const TASK_STARTUP_DURATION = 'ecs_task_startup_duration_seconds';
export const TASK_RUN_DURATION = 'ecs_task_run_duration_seconds';
export const CONTAINER_EXITS = 'ecs_container_exits_total';

export const TASK_METRICS: readonly MetricSpec[] = [
  counter(
    'task',
    TASK_STATE_TRANSITIONS,
    withTaskLabels('last_status'),
    'Tasks that reached a status, counted once per task and status.',
  ),
  counter(
    'task',
    TASK_STOPPED,
    withTaskLabels('stop_code', 'reason'),
    'Tasks that stopped, counted once per task, by stop code and reason class.',
  ),
  histogram(
    'task',
    TASK_IMAGE_PULL_DURATION,
    withTaskLabels(),
    [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    'Time from pullStartedAt to pullStoppedAt, once per task.',
  ),
  histogram(
    'task',
    TASK_STARTUP_DURATION,
    withTaskLabels(),
    [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800],
    'Time from createdAt to startedAt, once per task.',
  ),
  histogram(
    'task',
    TASK_RUN_DURATION,
    withTaskLabels('stop_code'),
    [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 604800],
    'Time from startedAt to executionStoppedAt (else stoppedAt), once per task, when it stopped.',
  ),
  counter(
    'ecs',
    CONTAINER_EXITS,
    withTaskLabels('container_name', 'exit_code'),
    `Containers that exited, by container name and exit code (${EXIT_CODES.join(', ')}, else other), once per task and container.`,
  ),
];

/**
 * The stops that alert rules and dashboards watch, each with the stop code
 * ECS gives it: every failure reason class of the contract, and failures to
 * start of no known class. Their series are born at 0 with each workload.
 */
export const WATCHED_STOPS: readonly (readonly [
  stopCode: KnownStopCode,
  reason: StopReasonName,
])[] = [
  ['TaskFailedToStart', 'image_pull_failed'],
  ['TaskFailedToStart', 'resource_initialization_failed'],
  ['TaskFailedToStart', 'container_start_failed'],
  ['TaskFailedToStart', 'network_provisioning_failed'],
  ['TaskFailedToStart', 'other'],
  ['EssentialContainerExited', 'out_of_memory'],
  ['ServiceSchedulerInitiated', 'health_check_failed'],
];

/** The exit code whose series is born at 0 with each container's first exit (SIGKILL: OOM kills). */
export const WATCHED_EXIT_CODE = '137';

/** Run durations of a service's tasks that stopped on their own: the crash-loop input. */
export const WATCHED_RUN_STOP_CODE = 'EssentialContainerExited';

/** What a processed event adds to the task metrics. Called at most once per task and fact. */
export interface TaskFactSink {
  /**
   * A processed event of the workload these labels name: the series alerts
   * read are created at 0 if they do not exist yet (within the series cap),
   * so a scrape before the workload's first failure sees that failure as an
   * increase.
   */
  workload(labels: LabelValues): void;
  transition(labels: LabelValues, lastStatus: string): void;
  /** `event` is the event that stopped the task. */
  stopped(labels: LabelValues, stopCode: string, reason: string, event: EcsTaskEvent): void;
  /** Durations are whole milliseconds: ECS timestamps have millisecond precision. `event` is the event that supplied it. */
  imagePull(labels: LabelValues, ms: number, event: EcsTaskEvent): void;
  startup(labels: LabelValues, ms: number, event: EcsTaskEvent): void;
  run(labels: LabelValues, stopCode: string, ms: number, event: EcsTaskEvent): void;
  /** A container of the task exited (its name already bounded). */
  exit(labels: LabelValues, containerName: string, exitCode: number): void;
}

const NONE: readonly string[] = Object.freeze([]);

/** Task workloads kept in the series store while a task of theirs runs (see WorkloadHolds). */
export function taskWorkloadHolds(store: SeriesStore): WorkloadHolds {
  const family = store.family(TASK_STATE_TRANSITIONS);
  const names = family.scope?.names ?? [];
  return {
    running: (labels) => {
      const w = store.workloadOf(family, labels);
      if (w !== undefined) store.hold(w);
      return w;
    },
    ended: (held) => store.release(held as Workload),
    values: (held) => (held as Workload).values,
    width: names.length,
    restore: (values) => {
      const w = store.workloadByValues(names, values);
      store.hold(w);
      return w;
    },
  };
}

/**
 * The exemplar of a fact: the id the task ARN ends in (bounded, so the
 * exemplar stays within OpenMetrics' 128 characters of labels).
 */
function exemplarOf(event: EcsTaskEvent, value: number): Exemplar {
  return {
    taskId: taskIdOf(event.taskArn).slice(0, 100),
    value,
    atMs: event.timeMs,
  };
}

/** The sink that records task facts into the series store. */
export function taskMetricsSink(store: SeriesStore): TaskFactSink {
  const transitions: Family = store.family(TASK_STATE_TRANSITIONS);
  const stopped = store.family(TASK_STOPPED);
  const pull = store.family(TASK_IMAGE_PULL_DURATION);
  const startup = store.family(TASK_STARTUP_DURATION);
  const run = store.family(TASK_RUN_DURATION);
  const exits = store.family(CONTAINER_EXITS);
  // The workload each interned label object was given its zero series in:
  // a workload that expired and came back gets them again (a miss only
  // repeats a no-op).
  const born = new WeakMap<LabelValues, Workload | undefined>();
  return {
    workload: (labels) => {
      const w = store.workloadOf(stopped, labels);
      if (w !== undefined) store.touch(w);
      if (w !== undefined && born.get(labels) === w) return;
      born.set(labels, w);
      for (const watched of WATCHED_STOPS) store.ensure(stopped, labels, watched);
      // Only service tasks are expected to keep running; a batch task may end in seconds.
      if (labels.values[SERVICE_INDEX] !== '') store.ensure(run, labels, [WATCHED_RUN_STOP_CODE]);
    },
    transition: (labels, lastStatus) => store.inc(transitions, labels, [lastStatus]),
    stopped: (labels, stopCode, reason, event) =>
      store.inc(stopped, labels, [stopCode, reason], exemplarOf(event, 1)),
    imagePull: (labels, ms, event) => store.observe(pull, labels, NONE, ms, exemplarOf(event, ms)),
    startup: (labels, ms, event) => store.observe(startup, labels, NONE, ms, exemplarOf(event, ms)),
    run: (labels, stopCode, ms, event) =>
      store.observe(run, labels, [stopCode], ms, exemplarOf(event, ms)),
    exit: (labels, containerName, exitCode) => {
      // Exit code 137 of a container exists at 0 from its first exit of any code.
      store.ensure(exits, labels, [containerName, WATCHED_EXIT_CODE]);
      store.inc(exits, labels, [containerName, exitCodeLabel(exitCode)]);
    },
  };
}
