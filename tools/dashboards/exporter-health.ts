/**
 * The exporter's own health: records by result, scrape status, event age and
 * delivery lag, Kinesis reads, per-shard lag, errors and checkpoint age, and
 * the bounded task state (tracked tasks, evictions).
 */
import { type Dashboard, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
} from '../../src/metrics/catalog.js';
import { alertsAnnotation, datasourceVariable, Layout, labelVariable } from './panels.js';

export const EXPORTER_HEALTH_UID = 'ecs-events-exporter-health';

/** The scrape job of the exporter, as the alert rules and deploy/ configure it. */
export const EXPORTER_JOB = 'ecs-events-exporter';

const SEL = 'instance=~"$instance"';
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
    .annotation(alertsAnnotation('EcsEventsExporter.*'))
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('instance', 'Instance', EXPORTER_RECORDS, ''));

  new Layout(dashboard)
    .row('Records')
    .timeseries({
      title: 'Exporter targets up',
      description: `1 when Prometheus scraped the exporter (job ${EXPORTER_JOB}) successfully, 0 when it failed. Any 0 for minutes fires EcsEventsExporterDown; no line at all, EcsEventsExporterAbsent.`,
      unit: 'bool',
      width: 8,
      queries: [{ expr: `up{job="${EXPORTER_JOB}", ${SEL}}`, legend: '{{instance}}' }],
    })
    .timeseries({
      title: 'Records by result',
      description:
        'Records read per second, by what became of them: processed (new task state changes), duplicate (redelivered), ignored (other EventBridge events), invalid (skipped; EcsEventsExporterInvalidRecords fires on any). Processed at zero for long, with the account active, means events stopped arriving.',
      unit: 'suffix: records/s',
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
        'Time since the newest task state change event seen (its event time). Grows when the account is quiet, or when events stop reaching the exporter; EcsEventsExporterNoRecentEvents fires past one hour.',
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
      unit: 'suffix: errors/s',
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
      unit: 'suffix: records/s',
      queries: [
        {
          expr: `sum by (shard_id) (rate(${KINESIS}_records_read_total{${SEL}}[$__rate_interval]))`,
          legend: '{{shard_id}}',
        },
      ],
    })
    .timeseries({
      title: 'Bytes read and GetRecords calls',
      description:
        'Bytes of record data read per second, and GetRecords calls per second (each shard allows 2 MB/s and 5 calls/s, shared by every consumer).',
      unit: 'Bps',
      queries: [
        {
          expr: `sum (rate(${KINESIS}_bytes_read_total{${SEL}}[$__rate_interval]))`,
          legend: 'bytes/s',
        },
        {
          expr: `sum (rate(${KINESIS}_get_records_calls_total{${SEL}}[$__rate_interval]))`,
          legend: 'GetRecords calls/s',
        },
      ],
    })
    .timeseries({
      title: 'Checkpoint age',
      description:
        'Seconds since the stored checkpoint last matched the processed positions. After a restart the exporter resumes from the checkpoint, so its age bounds the records read twice (counted as duplicates); worry when it grows without bound (saves failing; see SaveCheckpoint errors).',
      unit: 's',
      queries: [
        {
          expr: `max by (instance) (${KINESIS}_checkpoint_age_seconds{${SEL}})`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Shards read',
      description:
        'Shards being read now, and shards read to their end (closed by a resharding) in each interval. Owned shards should equal the open shards of the stream.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (instance) (${KINESIS}_shards_owned{${SEL}})`,
          legend: 'owned {{instance}}',
        },
        {
          expr: `sum by (instance) (increase(${KINESIS}_shards_finished_total{${SEL}}[$__rate_interval]))`,
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
        'Tracked tasks dropped in each interval, by cause: retention (stopped longer ago than --stopped-task-retention, normal) or capacity (the limit forced it: raise --max-tracked-tasks).',
      unit: 'short',
      bars: true,
      queries: [
        {
          expr: `sum by (cause) (increase(${EXPORTER_TASK_STATE_EVICTIONS}{${SEL}}[$__rate_interval]))`,
          legend: '{{cause}}',
        },
      ],
    });

  return dashboard.build();
}
