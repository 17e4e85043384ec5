/** Renders docs/metrics.md from the metric catalog and the reason classes. */
import { WATCHED_OUTCOMES } from '../../src/kinds/deployment-state-change/kind.js';
import { STOP_REASON_CLASSES } from '../../src/kinds/task-state-change/stop-reason.js';
import {
  WATCHED_EXIT_CODE,
  WATCHED_RUN_STOP_CODE,
  WATCHED_STOPS,
} from '../../src/kinds/task-state-change/task-metrics.js';
import { LABEL_DOCS, METRIC_CATALOG, type MetricSpec } from '../../src/metrics/catalog.js';

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
    ['ecs', 'Deployment, service action and container instance metrics'],
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
    'A scrape between that first event and the first failure sees the failure as an',
    'increase; a workload whose first event seen is already its failure still starts at 1.',
    'These series count against `--max-series-per-metric` like any other; past the cap',
    'they are not created (and nothing is folded for them).',
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
