/**
 * The exporter's own metrics (name, type, help, labels and buckets), and the
 * catalog of every metric once the kinds hand theirs in (`buildCatalog`,
 * called where the parts are composed: tools/catalog.ts). The single source
 * for building the metrics, for the generated reference (docs/metrics.md)
 * and for the checks of dashboards and rules. Pure data: nothing here
 * touches a registry, and nothing here knows an event kind.
 */
import {
  counter,
  EXPORTER_LABELS,
  gauge,
  histogram,
  type LabelSpec,
  type MetricSpec,
} from './metric-spec.js';

export type { MetricSpec };

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
  counter(
    'exporter',
    EXPORTER_RECORDS,
    ['result'],
    'Records read, each counted exactly once by what became of it.',
  ),
  gauge(
    'exporter',
    EXPORTER_LAST_EVENT_TIMESTAMP,
    [],
    'Newest event time seen in a task state change event, in seconds since the epoch.',
  ),
  histogram(
    'exporter',
    EXPORTER_EVENT_DELIVERY_LAG,
    [],
    [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
    "Time from an event's time to its processing by the exporter (not observed in replay).",
  ),
  gauge(
    'exporter',
    EXPORTER_TRACKED_TASKS,
    [],
    'Tasks whose state is tracked for deduplication now.',
  ),
  gauge(
    'exporter',
    EXPORTER_TRACKED_TASKS_LIMIT,
    [],
    'Most tasks tracked at once (--max-tracked-tasks).',
  ),
  counter(
    'exporter',
    EXPORTER_TASK_STATE_EVICTIONS,
    ['cause'],
    'Deduplication entries dropped (tasks, and the deployment, service action and container instance events each kind remembers), by cause; a capacity eviction can let a late duplicate count again.',
  ),
  counter(
    'exporter',
    EXPORTER_SERIES_FOLDED,
    ['metric'],
    'Facts recorded under folded `_other_` labels (unbounded labels only) because the metric had reached --max-series-per-metric series with a fact each (series at 0 give way first, idle workloads expire), by metric.',
  ),
  counter(
    'exporter',
    EXPORTER_SERIES_EXPIRED,
    ['metric'],
    'Series removed because their workload had no event for --series-idle-expiry of event time and no task known to run, by metric.',
  ),
  counter(
    'exporter',
    EXPORTER_ZERO_SERIES_SHED,
    ['metric'],
    'Series created at 0 and never incremented that gave way to a new label set with a fact when their metric was at --max-series-per-metric, by metric.',
  ),
  gauge(
    'exporter',
    EXPORTER_SERIES,
    ['metric'],
    'Series of each metric kept now (folded ones included), as scrapes show them.',
  ),
  gauge(
    'exporter',
    EXPORTER_SERIES_LIMIT,
    [],
    'Most series of each metric with their own labels (--max-series-per-metric).',
  ),
  gauge(
    'exporter',
    EXPORTER_BUILD_INFO,
    ['version', 'nodejs_version'],
    'Always 1; labels carry the exporter and Node.js versions.',
  ),
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
const STATE_METRIC_CATALOG: readonly MetricSpec[] = [
  counter(
    'exporter',
    STATE_SAVE_FAILURES,
    [],
    'Saves of the counting state and positions that failed or did not finish within 30 s, since start. While saves fail, /metrics shows the values of the last successful save.',
  ),
  gauge(
    'exporter',
    STATE_UNSAVED_RECORDS,
    [],
    'Records counted since the last successful save of the state: not shown on /metrics until a save succeeds.',
  ),
  counter(
    'exporter',
    STATE_CLEANUP_FAILURES,
    [],
    'Saves after which removing old state objects (S3) failed, since start; they are tried again at the next save. Always 0 for a state directory.',
  ),
];

export const EXPORTER_LEADER = 'ecs_events_exporter_leader';

/** Self metrics of active/standby (with --lease-table). */
export const LEASE_METRIC_CATALOG: readonly MetricSpec[] = [
  gauge(
    'exporter',
    EXPORTER_LEADER,
    [],
    'With --lease-table: 1 on the replica that holds the lease, reads the stream and serves the task metrics; 0 on a standby, which serves only its self metrics. Sum over replicas to check that exactly one leads.',
  ),
];

export const KINESIS_METRIC_CATALOG: readonly MetricSpec[] = [
  counter(
    'exporter',
    KINESIS_RECORDS_READ,
    ['shard_id'],
    'Kinesis records read and handed to processing, by shard.',
  ),
  counter(
    'exporter',
    KINESIS_BYTES_READ,
    ['shard_id'],
    'Bytes of Kinesis record data read, by shard.',
  ),
  counter(
    'exporter',
    KINESIS_GET_RECORDS_CALLS,
    ['shard_id'],
    'Successful GetRecords calls, empty ones included, by shard.',
  ),
  counter(
    'exporter',
    KINESIS_ERRORS,
    ['operation', 'shard_id', 'code'],
    'Failed calls by operation (ListShards, GetShardIterator, GetRecords, onRecords), shard (empty when none) and error code (e.g. ProvisionedThroughputExceededException, ECONNREFUSED).',
  ),
  gauge(
    'exporter',
    KINESIS_SHARD_LAG,
    ['shard_id'],
    'How far behind the tip of the stream each shard being read is: MillisBehindLatest of its last GetRecords call, in seconds.',
  ),
  gauge(
    'exporter',
    KINESIS_CHECKPOINT_AGE,
    [],
    'Seconds since the saved state (checkpoint and counts) was last known to match what was processed (saved, or nothing new to save); counted from start before the first save. Grows while saves fail.',
  ),
  gauge('exporter', KINESIS_SHARDS_OWNED, [], 'Shards being read now.'),
  counter(
    'exporter',
    KINESIS_SHARDS_FINISHED,
    [],
    'Shards read to their end (closed by a split or a merge) since start.',
  ),
];

/**
 * The exporter's process, under prom-client's standard names (served by
 * `run` and `demo`, not printed by `replay`).
 */
export const PROCESS_METRICS: readonly MetricSpec[] = [
  counter(
    'process',
    'process_cpu_seconds_total',
    [],
    'User and system CPU time spent, in seconds.',
  ),
  counter('process', 'process_cpu_user_seconds_total', [], 'User CPU time spent, in seconds.'),
  counter('process', 'process_cpu_system_seconds_total', [], 'System CPU time spent, in seconds.'),
  gauge(
    'process',
    'process_start_time_seconds',
    [],
    'Start time of the process since the epoch, in seconds.',
  ),
  gauge('process', 'process_resident_memory_bytes', [], 'Resident memory size, in bytes.'),
  gauge('process', 'process_virtual_memory_bytes', [], 'Virtual memory size, in bytes.'),
  gauge('process', 'process_heap_bytes', [], 'Process heap size, in bytes.'),
  gauge('process', 'process_open_fds', [], 'Open file descriptors.'),
  gauge('process', 'process_max_fds', [], 'Most open file descriptors allowed.'),
  gauge(
    'process',
    'nodejs_eventloop_lag_seconds',
    [],
    'Event loop lag, in seconds, as last measured.',
  ),
  gauge('process', 'nodejs_eventloop_lag_p50_seconds', [], 'Median event loop lag, in seconds.'),
  gauge(
    'process',
    'nodejs_eventloop_lag_p90_seconds',
    [],
    '90th percentile of event loop lag, in seconds.',
  ),
  gauge(
    'process',
    'nodejs_eventloop_lag_p99_seconds',
    [],
    '99th percentile of event loop lag, in seconds.',
  ),
  gauge('process', 'nodejs_heap_size_total_bytes', [], 'V8 heap size, in bytes.'),
  gauge('process', 'nodejs_heap_size_used_bytes', [], 'V8 heap used, in bytes.'),
  gauge(
    'process',
    'nodejs_external_memory_bytes',
    [],
    'Memory of C++ objects bound to JavaScript objects, in bytes.',
  ),
];

/** The exporter's own metrics, in the order the catalog lists them after the kinds'. */
const EXPORTER_CATALOG: readonly MetricSpec[] = [
  ...SELF_METRICS,
  ...KINESIS_METRIC_CATALOG,
  ...STATE_METRIC_CATALOG,
  ...LEASE_METRIC_CATALOG,
  ...PROCESS_METRICS,
];

/** Every metric the exporter exposes: the kinds' families (`eventMetrics`), then its own. */
export function buildCatalog(eventMetrics: readonly MetricSpec[]): readonly MetricSpec[] {
  return [...eventMetrics, ...EXPORTER_CATALOG];
}

/** What each label means (docs/metrics.md): the kinds' labels (`eventLabels`) and the exporter's. */
export function labelDocs(
  eventLabels: Readonly<Record<string, LabelSpec>>,
): Readonly<Record<string, string>> {
  return Object.fromEntries(
    Object.entries({ ...eventLabels, ...EXPORTER_LABELS }).map(([name, spec]) => [name, spec.doc]),
  );
}

/** The spec of one of the exporter's own metrics (the kinds' families are built by the series store). */
export function metricSpec(name: string): MetricSpec {
  const spec = EXPORTER_CATALOG.find((m) => m.name === name);
  if (spec === undefined) throw new Error(`metric ${name} is not in the catalog`);
  return spec;
}

/** The catalog's spec of `name`, which must be of `type`: checked when a metric is built. */
export function metricSpecOf(name: string, type: MetricSpec['type']): MetricSpec {
  const spec = metricSpec(name);
  if (spec.type !== type) throw new Error(`${name} is a ${spec.type}, not a ${type}`);
  return spec;
}
