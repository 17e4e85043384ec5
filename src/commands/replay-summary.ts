/** The one line `replay` and `backfill` end with on stderr: records by result, and what was read. */
import { RECORD_RESULTS, type RecordResult } from '../metrics/self-metrics.js';
import type { InputReport } from '../sources/file/file-source.js';

export function replaySummary(
  command: string,
  path: string,
  reports: readonly InputReport[],
  records: Readonly<Record<RecordResult, number>>,
  extra = '',
): string {
  const total = RECORD_RESULTS.reduce((n, r) => n + records[r], 0);
  const byResult = RECORD_RESULTS.map((r) => `${records[r]} ${r}`).join(', ');
  let from: string;
  if (
    reports.length === 1 &&
    (reports[0] as InputReport).name === (path === '-' ? 'standard input' : path)
  ) {
    from = `${(reports[0] as InputReport).name} (format ${(reports[0] as InputReport).format})`;
  } else {
    const formats = new Map<string, number>();
    for (const r of reports) formats.set(r.format, (formats.get(r.format) ?? 0) + 1);
    const list = [...formats].map(([f, n]) => `${f}: ${n}`).join(', ');
    from = `${reports.length} files in ${path} (formats ${list})`;
  }
  const problems = reports
    .filter((r) => r.problem !== undefined)
    .map((r) => `; ${r.name}: ${r.problem}`)
    .join('');
  return `ecs-events-exporter ${command}: ${total} records from ${from}: ${byResult}${extra}${problems}\n`;
}
