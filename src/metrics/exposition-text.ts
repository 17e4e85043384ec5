/**
 * The pieces of the Prometheus text and OpenMetrics formats that every
 * renderer shares: escaping, label text and sample values, written as
 * prom-client writes them. Pure.
 */

/** Escapes a label value: backslash, newline and double quote. */
export function escapeLabelValue(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

/** Escapes HELP text as the Prometheus text format does: backslash and newline. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `a="x",b="y"`: the label text of a series, without braces. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let text = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) text += ',';
    text += `${names[i]}="${escapeLabelValue(values[i] as string)}"`;
  }
  return text;
}

/** A sample value: finite numbers as JavaScript prints them, else NaN, +Inf or -Inf. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}
