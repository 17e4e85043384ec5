/** Renders docs/metrics.md from the metric catalog and the reason classes. */

import { WATCHED_OUTCOMES } from '../../src/kinds/deployment-state-change/kind.js';
import { STOP_REASON_CLASSES } from '../../src/kinds/task-state-change/stop-reason.js';
import {
  WATCHED_EXIT_CODE,
  WATCHED_RUN_STOP_CODE,
  WATCHED_STOPS,
} from '../../src/kinds/task-state-change/task-metrics.js';
import type { MetricSpec } from '../../src/metrics/metric-spec.js';
import { WORKLOAD_LABELS } from '../../src/metrics/series-lifecycle.js';
import { LINES_PER_WORKLOAD } from '../../test/helpers/wide-corpus.js';
import { LABEL_DOCS, METRIC_CATALOG } from '../catalog.js';

function row(spec: MetricSpec): string {
  const labels = spec.labelNames.map((l) => `\`${l}\``).join(', ') || '—';
  return `| \`${spec.name}\` | ${spec.type} | ${labels} | ${spec.help} |`;
}

export function renderMetricsReference(catalog: readonly MetricSpec[] = METRIC_CATALOG): string {
  const out: string[] = [
    '# Metrics reference',
    '',
    '<!-- Generated from src/metrics/catalog.ts by `npm run docs`; do not edit. -->',
    '',
    'Counting rules are those of the metrics contract: every record is counted once in',
    '`ecs_events_exporter_records_total`; task metrics count each task once per status, stop',
    'and duration, whatever the order and number of deliveries.',
    '',
  ];
  for (const [group, title] of [
    ['task', 'Task metrics'],
    ['ecs', 'Deployment, service action, container instance, daemon and hook metrics'],
    ['exporter', 'Exporter self metrics'],
    ['process', 'Process metrics (run and demo)'],
  ] as const) {
    out.push(
      `## ${title}`,
      '',
      '| metric | type | labels | meaning |',
      '| --- | --- | --- | --- |',
    );
    for (const spec of catalog.filter((m) => m.group === group)) out.push(row(spec));
    out.push('');
  }
  out.push(
    '## Series born at 0',
    '',
    'A counter series that first appears at 1 hides its first count from `rate()` and',
    '`increase()`. So the first processed event of a workload (cluster, service, family,',
    'launch type) creates, at 0, the series that alert rules and dashboards watch:',
    '',
    ...WATCHED_STOPS.map(
      ([code, reason]) => `- \`ecs_task_stopped_total{stop_code="${code}", reason="${reason}"}\``,
    ),
    `- for a service's tasks (\`ecs_service\` not empty), \`ecs_task_run_duration_seconds{stop_code="${WATCHED_RUN_STOP_CODE}"}\`, the input of the crash-loop alert`,
    `- at a service's first deployment event, \`ecs_service_deployments_total\` with ${WATCHED_OUTCOMES.map((o) => `\`outcome="${o}"\``).join(' and ')}`,
    `- at a container's first exit of any code, \`ecs_container_exits_total{exit_code="${WATCHED_EXIT_CODE}"}\` of that container`,
    '',
    'Likewise the first event of a daemon creates `ecs_daemon_deployments_total` for every',
    'known status and `ecs_daemon_deployment_duration_seconds` for every outcome, and the',
    "first event of a hook's service, stage and type creates `ecs_service_deployment_hooks_total`",
    'for every known status.',
    '',
    'A scrape between that first event and the first failure sees the failure as an',
    'increase; a workload whose first event seen is already its failure still starts at 1.',
    'These series count against `--max-series-per-metric` like any other; past the cap',
    'they are not created (and nothing is folded for them), and at the cap the oldest',
    'of them still at 0 gives way to a new label set with a fact rather than let it fold',
    '(`ecs_events_exporter_zero_series_shed_total`).',
    '',
    '## Series lifecycle',
    '',
    'A series lives as long as its workload. The workload of a series is named by its',
    `labels: ${WORKLOAD_LABELS.map((l) => `\`${l}\``).join(', ')}, those of them the`,
    'metric has. The task metrics and container exits belong to a task workload (account,',
    'region, cluster, service or daemon, family); deployment and service action series to',
    'their service, which lives as long as any of its task workloads does; container',
    'instance series to their cluster, which lives while an instance of it is registered.',
    'Metrics without `ecs_cluster` never expire.',
    '',
    'A workload with no event for `--series-idle-expiry` of event time (14 days by default,',
    'never less than the stopped-task retention) and no task the exporter knows to be',
    'running or pending is removed: its series leave `/metrics` and the saved state, and',
    'stop counting against `--max-series-per-metric`',
    '(`ecs_events_exporter_series_expired_total{metric}`; the series kept now are',
    '`ecs_events_exporter_series{metric}`). Event time, not the clock: a replay or a',
    'backfill of old events expires what the live stream would have.',
    '',
    'A workload that comes back after that starts again from 0. In Prometheus the series',
    'ends (it goes stale) and later starts again at a lower value: a counter reset, which',
    '`rate()`, `increase()` and `resets()` handle; a sum over workloads with `increase()`',
    'stays right. A task family per pull request or per tenant therefore costs series',
    'only while it is in use.',
    '',
    'The cap counts series, a histogram series as one; at the cap a scrape of the task',
    `metrics is about ${LINES_PER_WORKLOAD} sample lines per label set (histogram buckets, \`+Inf\`,`,
    '`_sum` and `_count` included), about 170,000 lines at the default of 3,000. Past the',
    'cap, series at 0 give way first; then new label sets fold into `_other_`',
    '(`ecs_events_exporter_series_folded_total`, the `EcsEventsExporterSeriesFolding`',
    'alert): it now means that the workloads active within the idle expiry exceed the cap.',
    'A restored state obeys the same rules at once.',
    '',
  );
  out.push('## Histogram buckets', '', '| metric | upper bounds (seconds) |', '| --- | --- |');
  for (const spec of catalog.filter((m) => m.buckets !== undefined)) {
    out.push(`| \`${spec.name}\` | ${spec.buckets?.join(', ')} |`);
  }
  out.push('', '## Labels', '', '| label | value |', '| --- | --- |');
  const used = [...new Set(catalog.flatMap((m) => m.labelNames))].sort();
  for (const label of used) out.push(`| \`${label}\` | ${LABEL_DOCS[label] ?? ''} |`);
  out.push(
    '',
    '## Reason classes',
    '',
    'The `reason` label of `ecs_task_stopped_total`: the first class whose text occurs in',
    '`detail.stoppedReason` or in any container `reason` wins, in this order.',
    '',
    '| reason | matches | meaning |',
    '| --- | --- | --- |',
  );
  for (const cls of STOP_REASON_CLASSES) {
    const needles = cls.needles.map((n) => `\`${n}\``).join(', ') || 'anything else';
    out.push(`| \`${cls.name}\` | ${needles} | ${cls.description} |`);
  }
  return `${out.join('\n')}\n`;
}
