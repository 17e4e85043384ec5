/**
 * The exporter's own health: records by result, scrape status, event age and
 * delivery lag, Kinesis reads, per-shard lag, errors and checkpoint age, and
 * the bounded task state (tracked tasks, evictions).
 */
import { type Dashboard, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { LAST_EVENT_TIMESTAMP } from '../../src/kinds/freshness.js';
import {
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_LEADER,
  EXPORTER_RECORDS,
  EXPORTER_SERIES_FOLDED,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
} from '../../src/metrics/catalog.js';
import {
  alertsAnnotation,
  DASHBOARD_TOOLTIP,
  dashboardLinks,
  datasourceVariable,
  instanceVariable,
  jobVariable,
  Layout,
  TARGET_SEL,
} from './panels.js';

export const EXPORTER_HEALTH_UID = 'ecs-events-exporter-health';

/** The scrape job of the exporter, as the alert rules and deploy/ configure it. */
export const EXPORTER_JOB = 'ecs-events-exporter';

const SEL = TARGET_SEL;
const KINESIS = 'ecs_events_exporter_kinesis';

export function exporterHealthDashboard(): Dashboard {
  const dashboard = new DashboardBuilder('ecs-events-exporter health')
    .uid(EXPORTER_HEALTH_UID)
    .description(
      'Is ecs-events-exporter reading every event: scrape status, records by result, stream lag, errors, checkpoints and tracked task state.',
    )
    .tags(['ecs', 'ecs-events-exporter'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .tooltip(DASHBOARD_TOOLTIP)
    .link(dashboardLinks())
    .annotation(
      alertsAnnotation(
        'EcsEventsExporter.*|EcsAccountRegionSilent',
        'job=~"$job", instance=~"$instance"',
      ),
    )
    .withVariable(datasourceVariable())
    .withVariable(jobVariable())
    .withVariable(instanceVariable());

  new Layout(dashboard)
    .row('Records')
    .timeseries({
      title: 'Exporter targets up',
      description: `1 when Prometheus scraped the exporter (job ${EXPORTER_JOB} by default) successfully, 0 when it failed. Any 0 for minutes fires EcsEventsExporterDown; no line at all, EcsEventsExporterAbsent.`,
      unit: 'bool',
      width: 8,
      queries: [{ expr: `up{${SEL}}`, legend: '{{instance}}' }],
    })
    .timeseries({
      title: 'Records by result',
      description:
        'Records read per second, by what became of them: processed (new task state changes), duplicate (redelivered), ignored (other EventBridge events), invalid (skipped; EcsEventsExporterInvalidRecords fires past 1% and 10 in an hour). Processed at zero for long, with the account active, means events stopped arriving.',
      unit: 'cps',
      width: 16,
      stacked: true,
      queries: [
        {
          expr: `sum by (result) (rate(${EXPORTER_RECORDS}{${SEL}}[$__rate_interval]))`,
          legend: '{{result}}',
        },
      ],
    })
    .timeseries({
      title: 'Age of the newest event',
      description:
        'Time since the newest task state change event seen (its event time). Grows when the account is quiet, or when events stop reaching the exporter; EcsEventsExporterNoRecentEvents fires past ten of the usual gaps between events (at least 15 minutes).',
      unit: 's',
      queries: [
        {
          expr: `time() - ${EXPORTER_LAST_EVENT_TIMESTAMP}{${SEL}}`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Event delivery lag',
      description:
        'Median, 90th and 99th percentile of the time from an event to its processing by the exporter: EventBridge, Kinesis and the exporter together. Worry when the p90 stays above a minute.',
      unit: 's',
      queries: [0.5, 0.9, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(${EXPORTER_EVENT_DELIVERY_LAG}_bucket{${SEL}}[$__rate_interval])))`,
        legend: `p${q * 100}`,
      })),
    })
    .timeseries({
      title: 'Age of the newest event, by account and region',
      description:
        'Time since the newest ECS event from each account and region. One line climbing while the others stay low is an account whose events stopped (EcsAccountRegionSilent fires after an hour).',
      unit: 's',
      queries: [
        {
          expr: `time() - max by (aws_account_id, aws_region) (${LAST_EVENT_TIMESTAMP}{${SEL}})`,
          legend: '{{aws_account_id}} {{aws_region}}',
        },
      ],
    })
    .row('Replicas and series')
    .timeseries({
      title: 'Leader',
      description:
        'Which replica of an active/standby pair holds the lease (1) and which wait (0). Exactly one line at 1 is healthy: none fires EcsEventsExporterNoLeader, two EcsEventsExporterMultipleLeaders. Empty without --lease-table.',
      unit: 'bool',
      queries: [{ expr: `${EXPORTER_LEADER}{${SEL}}`, legend: '{{instance}}' }],
    })
    .timeseries({
      title: 'Folded series',
      description:
        'Facts recorded per bar under _other_ labels because a metric reached --max-series-per-metric, by metric. Anything here fires EcsEventsExporterSeriesFolding: alerts on those facts lose their service and cluster.',
      unit: 'short',
      bars: true,
      minInterval: '1m',
      queries: [
        {
          expr: `sum by (instance, metric) (increase(${EXPORTER_SERIES_FOLDED}{${SEL}}[$__interval]))`,
          legend: '{{instance}} {{metric}}',
        },
      ],
    })
    .row('Kinesis stream')
    .timeseries({
      title: 'Lag behind the stream tip, per shard',
      description:
        'MillisBehindLatest of the last read of each shard: how far behind the newest record of the stream the exporter reads. Near zero is normal; EcsEventsExporterStreamLagGrowing fires when it stays above a minute and grows, or above 15 minutes.',
      unit: 's',
      queries: [
        {
          expr: `max by (instance, shard_id) (${KINESIS}_shard_lag_seconds{${SEL}})`,
          legend: '{{shard_id}} {{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Kinesis errors',
      description:
        'Failed calls per second by operation and error code. ProvisionedThroughputExceededException means reads are throttled (another consumer shares the shards); ExpiredIteratorException and connection errors are retried. Any lasting rate deserves a look at the logs.',
      unit: 'cps',
      queries: [
        {
          expr: `sum by (operation, code) (rate(${KINESIS}_errors_total{${SEL}}[$__rate_interval]))`,
          legend: '{{operation}} {{code}}',
        },
      ],
    })
    .timeseries({
      title: 'Records read, per shard',
      description:
        'Kinesis records read per second from each shard. A shard at zero while others read shows a stuck shard reader (check its lag and errors).',
      unit: 'cps',
      queries: [
        {
          expr: `sum by (shard_id) (rate(${KINESIS}_records_read_total{${SEL}}[$__rate_interval]))`,
          legend: '{{shard_id}}',
        },
      ],
    })
    .timeseries({
      title: 'Bytes read',
      description:
        'Bytes of record data read per second (each shard allows 2 MB/s, shared by every consumer).',
      unit: 'Bps',
      width: 6,
      queries: [
        {
          expr: `sum by (instance) (rate(${KINESIS}_bytes_read_total{${SEL}}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'GetRecords calls',
      description:
        'Successful GetRecords calls per second, empty ones included (each shard allows 5 calls/s, shared by every consumer).',
      unit: 'reqps',
      width: 6,
      queries: [
        {
          expr: `sum by (instance) (rate(${KINESIS}_get_records_calls_total{${SEL}}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Checkpoint age',
      description:
        'Seconds since the saved state (checkpoint and counts) last matched what was processed. After a restart the exporter resumes from it, so its age bounds the records read twice (counted as duplicates). It grows while saves fail or hang, and then every task metric stands still at its last saved value (alert EcsEventsExporterStateNotSaved).',
      unit: 's',
      queries: [
        {
          expr: `max by (instance) (${KINESIS}_checkpoint_age_seconds{${SEL}})`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'State saves failing',
      description:
        'Failed saves of the state per second, and the records counted but not shown yet because no save succeeded since (scrapes show the values of the last save). Both stay at 0 while saving works; /readyz names the cause when they do not.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (instance) (rate(ecs_events_exporter_state_save_failures_total{${SEL}}[$__rate_interval]))`,
          legend: 'failed saves/s {{instance}}',
        },
        {
          expr: `max by (instance) (ecs_events_exporter_state_unsaved_records{${SEL}})`,
          legend: 'unsaved records {{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Shards read',
      description:
        'Shards being read now. Owned shards should equal the open shards of the stream.',
      unit: 'short',
      width: 6,
      queries: [
        {
          expr: `sum by (instance) (${KINESIS}_shards_owned{${SEL}})`,
          legend: 'owned {{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Shards finished',
      description:
        'Shards read to their end (closed by a split or a merge) per second: bars during a resharding.',
      unit: 'cps',
      bars: true,
      width: 6,
      queries: [
        {
          expr: `sum by (instance) (rate(${KINESIS}_shards_finished_total{${SEL}}[$__rate_interval]))`,
          legend: 'finished {{instance}}',
        },
      ],
    })
    .row('Task state')
    .timeseries({
      title: 'Tracked tasks',
      description:
        'Tasks whose state is kept to recognise duplicates, against the limit (--max-tracked-tasks). Close to the limit, capacity evictions start and a late duplicate may count twice: raise the limit.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (instance) (${EXPORTER_TRACKED_TASKS}{${SEL}})`,
          legend: 'tracked {{instance}}',
        },
        {
          expr: `sum by (instance) (${EXPORTER_TRACKED_TASKS_LIMIT}{${SEL}})`,
          legend: 'limit {{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Task state evictions',
      description:
        "Deduplication entries (tasks, and the other kinds' events) dropped per second, by cause: retention (older than --stopped-task-retention, normal) or capacity (the limit forced it: raise --max-tracked-tasks).",
      unit: 'cps',
      bars: true,
      queries: [
        {
          expr: `sum by (cause) (rate(${EXPORTER_TASK_STATE_EVICTIONS}{${SEL}}[$__rate_interval]))`,
          legend: '{{cause}}',
        },
      ],
    })
    .row('Process')
    .timeseries({
      title: 'CPU',
      description:
        'CPU time the exporter uses per second (1 = one core). Node.js runs the counting on one thread: near 1, the exporter is saturated and falls behind the stream.',
      unit: 'percentunit',
      width: 6,
      queries: [
        {
          expr: `sum by (instance) (rate(process_cpu_seconds_total{${SEL}}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Memory',
      description:
        'Resident memory of the process and the V8 heap in use. Tracked tasks cost about 200 bytes each; compare with the container memory limit.',
      unit: 'bytes',
      width: 6,
      queries: [
        { expr: `process_resident_memory_bytes{${SEL}}`, legend: 'resident {{instance}}' },
        { expr: `nodejs_heap_size_used_bytes{${SEL}}`, legend: 'heap used {{instance}}' },
      ],
    })
    .timeseries({
      title: 'Event-loop lag',
      description:
        'The 99th percentile of how late the event loop runs its work. Over 100 ms, scrapes and reads wait behind the counting.',
      unit: 's',
      width: 6,
      queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${SEL}}`, legend: 'p99 {{instance}}' }],
    })
    .timeseries({
      title: 'Open file descriptors',
      description: 'File descriptors open, against the most allowed.',
      unit: 'short',
      width: 6,
      queries: [
        { expr: `process_open_fds{${SEL}}`, legend: 'open {{instance}}' },
        { expr: `process_max_fds{${SEL}}`, legend: 'max {{instance}}' },
      ],
    });

  return dashboard.build();
}
