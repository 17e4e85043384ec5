/**
 * Every metric the exporter exposes: name, type, help, labels and buckets.
 * The single source for building the prom-client metrics, for the generated
 * reference (docs/metrics.md) and for the checks of dashboards and rules.
 * Pure data: nothing here touches a registry.
 */
import { EVENT_METRICS } from '../kinds/registry.js';
import { LABELS, type MetricSpec } from './metric-spec.js';

export type { MetricSpec };

/** What each label means (docs/metrics.md); defined with its bound in metric-spec.ts. */
export const LABEL_DOCS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LABELS).map(([name, spec]) => [name, spec.doc]),
);

export const EXPORTER_RECORDS = 'ecs_events_exporter_records_total';
export const EXPORTER_LAST_EVENT_TIMESTAMP = 'ecs_events_exporter_last_event_timestamp_seconds';
export const EXPORTER_EVENT_DELIVERY_LAG = 'ecs_events_exporter_event_delivery_lag_seconds';
export const EXPORTER_TRACKED_TASKS = 'ecs_events_exporter_tracked_tasks';
export const EXPORTER_TRACKED_TASKS_LIMIT = 'ecs_events_exporter_tracked_tasks_limit';
export const EXPORTER_TASK_STATE_EVICTIONS = 'ecs_events_exporter_task_state_evictions_total';
export const EXPORTER_BUILD_INFO = 'ecs_events_exporter_build_info';
export const EXPORTER_SERIES_FOLDED = 'ecs_events_exporter_series_folded_total';
export const EXPORTER_SERIES_EXPIRED = 'ecs_events_exporter_series_expired_total';
export const EXPORTER_ZERO_SERIES_SHED = 'ecs_events_exporter_zero_series_shed_total';
export const EXPORTER_SERIES = 'ecs_events_exporter_series';
export const EXPORTER_SERIES_LIMIT = 'ecs_events_exporter_series_limit';

const SELF_METRICS: readonly MetricSpec[] = [
  {
    name: EXPORTER_RECORDS,
    type: 'counter',
    group: 'exporter',
    help: 'Records read, each counted exactly once by what became of it.',
    labelNames: ['result'],
  },
  {
    name: EXPORTER_LAST_EVENT_TIMESTAMP,
    type: 'gauge',
    group: 'exporter',
    help: 'Newest event time seen in a task state change event, in seconds since the epoch.',
    labelNames: [],
  },
  {
    name: EXPORTER_EVENT_DELIVERY_LAG,
    type: 'histogram',
    group: 'exporter',
    help: "Time from an event's time to its processing by the exporter (not observed in replay).",
    labelNames: [],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
  },
  {
    name: EXPORTER_TRACKED_TASKS,
    type: 'gauge',
    group: 'exporter',
    help: 'Tasks whose state is tracked for deduplication now.',
    labelNames: [],
  },
  {
    name: EXPORTER_TRACKED_TASKS_LIMIT,
    type: 'gauge',
    group: 'exporter',
    help: 'Most tasks tracked at once (--max-tracked-tasks).',
    labelNames: [],
  },
  {
    name: EXPORTER_TASK_STATE_EVICTIONS,
    type: 'counter',
    group: 'exporter',
    help: 'Deduplication entries dropped (tasks, and the deployment, service action and container instance events each kind remembers), by cause; a capacity eviction can let a late duplicate count again.',
    labelNames: ['cause'],
  },
  {
    name: EXPORTER_SERIES_FOLDED,
    type: 'counter',
    group: 'exporter',
    help: 'Facts recorded under folded `_other_` labels (unbounded labels only) because the metric had reached --max-series-per-metric series with a fact each (series at 0 give way first, idle workloads expire), by metric.',
    labelNames: ['metric'],
  },
  {
    name: EXPORTER_SERIES_EXPIRED,
    type: 'counter',
    group: 'exporter',
    help: 'Series removed because their workload had no event for --series-idle-expiry of event time and no task known to run, by metric.',
    labelNames: ['metric'],
  },
  {
    name: EXPORTER_ZERO_SERIES_SHED,
    type: 'counter',
    group: 'exporter',
    help: 'Series created at 0 and never incremented that gave way to a new label set with a fact when their metric was at --max-series-per-metric, by metric.',
    labelNames: ['metric'],
  },
  {
    name: EXPORTER_SERIES,
    type: 'gauge',
    group: 'exporter',
    help: 'Series of each metric kept now (folded ones included), as scrapes show them.',
    labelNames: ['metric'],
  },
  {
    name: EXPORTER_SERIES_LIMIT,
    type: 'gauge',
    group: 'exporter',
    help: 'Most series of each metric with their own labels (--max-series-per-metric).',
    labelNames: [],
  },
  {
    name: EXPORTER_BUILD_INFO,
    type: 'gauge',
    group: 'exporter',
    help: 'Always 1; labels carry the exporter and Node.js versions.',
    labelNames: ['version', 'nodejs_version'],
  },
];

export const KINESIS_RECORDS_READ = 'ecs_events_exporter_kinesis_records_read_total';
export const KINESIS_BYTES_READ = 'ecs_events_exporter_kinesis_bytes_read_total';
export const KINESIS_GET_RECORDS_CALLS = 'ecs_events_exporter_kinesis_get_records_calls_total';
export const KINESIS_ERRORS = 'ecs_events_exporter_kinesis_errors_total';
export const KINESIS_SHARD_LAG = 'ecs_events_exporter_kinesis_shard_lag_seconds';
export const KINESIS_CHECKPOINT_AGE = 'ecs_events_exporter_kinesis_checkpoint_age_seconds';
export const KINESIS_SHARDS_OWNED = 'ecs_events_exporter_kinesis_shards_owned';
export const KINESIS_SHARDS_FINISHED = 'ecs_events_exporter_kinesis_shards_finished_total';

export const STATE_SAVE_FAILURES = 'ecs_events_exporter_state_save_failures_total';
export const STATE_UNSAVED_RECORDS = 'ecs_events_exporter_state_unsaved_records';
export const STATE_CLEANUP_FAILURES = 'ecs_events_exporter_state_cleanup_failures_total';

/** Self metrics of durable state (with --state-dir); the age of the saved state is KINESIS_CHECKPOINT_AGE. */
export const STATE_METRIC_CATALOG: readonly MetricSpec[] = [
  {
    name: STATE_SAVE_FAILURES,
    type: 'counter',
    group: 'exporter',
    help: 'Saves of the counting state and positions that failed or did not finish within 30 s, since start. While saves fail, /metrics shows the values of the last successful save.',
    labelNames: [],
  },
  {
    name: STATE_UNSAVED_RECORDS,
    type: 'gauge',
    group: 'exporter',
    help: 'Records counted since the last successful save of the state: not shown on /metrics until a save succeeds.',
    labelNames: [],
  },
  {
    name: STATE_CLEANUP_FAILURES,
    type: 'counter',
    group: 'exporter',
    help: 'Saves after which removing old state objects (S3) failed, since start; they are tried again at the next save. Always 0 for a state directory.',
    labelNames: [],
  },
];

export const EXPORTER_LEADER = 'ecs_events_exporter_leader';

/** Self metrics of active/standby (with --lease-table). */
export const LEASE_METRIC_CATALOG: readonly MetricSpec[] = [
  {
    name: EXPORTER_LEADER,
    type: 'gauge',
    group: 'exporter',
    help: 'With --lease-table: 1 on the replica that holds the lease, reads the stream and serves the task metrics; 0 on a standby, which serves only its self metrics. Sum over replicas to check that exactly one leads.',
    labelNames: [],
  },
];

export const KINESIS_METRIC_CATALOG: readonly MetricSpec[] = [
  {
    name: KINESIS_RECORDS_READ,
    type: 'counter',
    group: 'exporter',
    help: 'Kinesis records read and handed to processing, by shard.',
    labelNames: ['shard_id'],
  },
  {
    name: KINESIS_BYTES_READ,
    type: 'counter',
    group: 'exporter',
    help: 'Bytes of Kinesis record data read, by shard.',
    labelNames: ['shard_id'],
  },
  {
    name: KINESIS_GET_RECORDS_CALLS,
    type: 'counter',
    group: 'exporter',
    help: 'Successful GetRecords calls, empty ones included, by shard.',
    labelNames: ['shard_id'],
  },
  {
    name: KINESIS_ERRORS,
    type: 'counter',
    group: 'exporter',
    help: 'Failed calls by operation (ListShards, GetShardIterator, GetRecords, onRecords), shard (empty when none) and error code (e.g. ProvisionedThroughputExceededException, ECONNREFUSED).',
    labelNames: ['operation', 'shard_id', 'code'],
  },
  {
    name: KINESIS_SHARD_LAG,
    type: 'gauge',
    group: 'exporter',
    help: 'How far behind the tip of the stream each shard being read is: MillisBehindLatest of its last GetRecords call, in seconds.',
    labelNames: ['shard_id'],
  },
  {
    name: KINESIS_CHECKPOINT_AGE,
    type: 'gauge',
    group: 'exporter',
    help: 'Seconds since the saved state (checkpoint and counts) was last known to match what was processed (saved, or nothing new to save); counted from start before the first save. Grows while saves fail.',
    labelNames: [],
  },
  {
    name: KINESIS_SHARDS_OWNED,
    type: 'gauge',
    group: 'exporter',
    help: 'Shards being read now.',
    labelNames: [],
  },
  {
    name: KINESIS_SHARDS_FINISHED,
    type: 'counter',
    group: 'exporter',
    help: 'Shards read to their end (closed by a split or a merge) since start.',
    labelNames: [],
  },
];

const processMetric = (name: string, type: 'counter' | 'gauge', help: string): MetricSpec => ({
  name,
  type,
  group: 'process',
  help,
  labelNames: [],
});

/**
 * The exporter's process, under prom-client's standard names (served by
 * `run` and `demo`, not printed by `replay`).
 */
export const PROCESS_METRICS: readonly MetricSpec[] = [
  processMetric(
    'process_cpu_seconds_total',
    'counter',
    'User and system CPU time spent, in seconds.',
  ),
  processMetric('process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.'),
  processMetric(
    'process_cpu_system_seconds_total',
    'counter',
    'System CPU time spent, in seconds.',
  ),
  processMetric(
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since the epoch, in seconds.',
  ),
  processMetric('process_resident_memory_bytes', 'gauge', 'Resident memory size, in bytes.'),
  processMetric('process_virtual_memory_bytes', 'gauge', 'Virtual memory size, in bytes.'),
  processMetric('process_heap_bytes', 'gauge', 'Process heap size, in bytes.'),
  processMetric('process_open_fds', 'gauge', 'Open file descriptors.'),
  processMetric('process_max_fds', 'gauge', 'Most open file descriptors allowed.'),
  processMetric(
    'nodejs_eventloop_lag_seconds',
    'gauge',
    'Event loop lag, in seconds, as last measured.',
  ),
  processMetric('nodejs_eventloop_lag_p50_seconds', 'gauge', 'Median event loop lag, in seconds.'),
  processMetric(
    'nodejs_eventloop_lag_p90_seconds',
    'gauge',
    '90th percentile of event loop lag, in seconds.',
  ),
  processMetric(
    'nodejs_eventloop_lag_p99_seconds',
    'gauge',
    '99th percentile of event loop lag, in seconds.',
  ),
  processMetric('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size, in bytes.'),
  processMetric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used, in bytes.'),
  processMetric(
    'nodejs_external_memory_bytes',
    'gauge',
    'Memory of C++ objects bound to JavaScript objects, in bytes.',
  ),
];

/** Every metric the exporter exposes. */
export const METRIC_CATALOG: readonly MetricSpec[] = [
  ...EVENT_METRICS,
  ...SELF_METRICS,
  ...KINESIS_METRIC_CATALOG,
  ...STATE_METRIC_CATALOG,
  ...LEASE_METRIC_CATALOG,
  ...PROCESS_METRICS,
];

export function metricSpec(name: string): MetricSpec {
  const spec = METRIC_CATALOG.find((m) => m.name === name);
  if (spec === undefined) throw new Error(`metric ${name} is not in the catalog`);
  return spec;
}

/** The catalog's spec of `name`, which must be of `type`: checked when a metric is built. */
export function metricSpecOf(name: string, type: MetricSpec['type']): MetricSpec {
  const spec = metricSpec(name);
  if (spec.type !== type) throw new Error(`${name} is a ${spec.type}, not a ${type}`);
  return spec;
}

export {
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
} from '../kinds/task-state-change/task-metrics.js';
