/** Renders docs/metrics.md from the metric catalog and the reason classes. */
import { STOP_REASON_CLASSES } from '../../src/kinds/task-state-change/stop-reason.js';
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
    ['exporter', 'Exporter self metrics'],
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
