/**
 * Just enough PromQL lexing to find the series selectors of an expression
 * (metric name and label matchers), so rules and dashboard queries can be
 * checked against the metric catalogs. Function names, aggregation keywords,
 * grouping label lists, strings, ranges and Grafana variables are skipped.
 */

import type { MetricSpec } from '../../src/metrics/catalog.js';
import * as catalog from '../../src/metrics/catalog.js';
import { METRIC_CATALOG } from '../../tools/catalog.js';

export interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

export interface Selector {
  readonly name: string;
  readonly matchers: readonly Matcher[];
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'matchers'; text: string }
  | { kind: 'punct'; text: string }
  | { kind: 'other' };

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = [
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
];
const KEYWORDS = new Set([
  ...GROUPING,
  ...AGGREGATIONS,
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

function readQuoted(expr: string, start: number): number {
  const quote = expr[start];
  let i = start + 1;
  while (i < expr.length && expr[i] !== quote) i += expr[i] === '\\' ? 2 : 1;
  if (i >= expr.length) throw new Error(`unterminated string in ${expr}`);
  return i + 1;
}

/** Index after the bracket closing the one at `start`, skipping quoted text. */
function readBracketed(expr: string, start: number, close: string): number {
  let i = start + 1;
  while (i < expr.length && expr[i] !== close) {
    i = expr[i] === '"' || expr[i] === "'" || expr[i] === '`' ? readQuoted(expr, i) : i + 1;
  }
  if (i >= expr.length) throw new Error(`unbalanced ${expr[start]} in ${expr}`);
  return i + 1;
}

function lex(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      i = readQuoted(expr, i);
      tokens.push({ kind: 'other' });
    } else if (c === '{') {
      const end = readBracketed(expr, i, '}');
      tokens.push({ kind: 'matchers', text: expr.slice(i + 1, end - 1) });
      i = end;
    } else if (c === '[') {
      i = readBracketed(expr, i, ']');
      tokens.push({ kind: 'other' });
    } else if (c === '$') {
      // A Grafana variable: $name or ${name}.
      i = expr[i + 1] === '{' ? readBracketed(expr, i + 1, '}') : i + 1;
      while (i < expr.length && /\w/.test(expr[i] as string)) i++;
      tokens.push({ kind: 'other' });
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[\w.+]/.test(expr[i] as string)) {
        // An exponent sign belongs to the number; any other + is an operator.
        if (expr[i] === '+' && !/[eE]/.test(expr[i - 1] as string)) break;
        i++;
      }
      tokens.push({ kind: 'other' });
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[\w:]/.test(expr[i] as string)) i++;
      tokens.push({ kind: 'ident', text: expr.slice(start, i) });
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

function parseMatchers(text: string): Matcher[] {
  const out: Matcher[] = [];
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g;
  for (const m of text.matchAll(re)) {
    out.push({ label: m[1] as string, op: m[2] as string, value: (m[3] as string).slice(1, -1) });
  }
  return out;
}

/** Every series selector of a PromQL expression. */
export function selectorsOf(expr: string): Selector[] {
  const tokens = lex(expr);
  const selectors: Selector[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== 'ident') continue;
    const next = tokens[i + 1];
    const opensParen = next?.kind === 'punct' && next.text === '(';
    if (GROUPING.has(token.text) && opensParen) {
      // Skip the label list: by (a, b), on (c), group_left (d).
      while (i < tokens.length) {
        const t = tokens[i] as Token;
        if (t.kind === 'punct' && t.text === ')') break;
        i++;
      }
      continue;
    }
    if (KEYWORDS.has(token.text) || opensParen) continue;
    selectors.push({
      name: token.text,
      matchers: next?.kind === 'matchers' ? parseMatchers(next.text) : [],
    });
  }
  return selectors;
}

/**
 * METRIC_CATALOG and KINESIS_METRIC_CATALOG, by name. The Kinesis catalog is
 * moving into catalog.ts (and into METRIC_CATALOG); read it wherever it is.
 */
export const ALL_METRICS: readonly MetricSpec[] = (() => {
  const kinesis = (catalog as Record<string, unknown>).KINESIS_METRIC_CATALOG;
  const byName = new Map<string, MetricSpec>();
  for (const spec of [...METRIC_CATALOG, ...((kinesis ?? []) as MetricSpec[])]) {
    byName.set(spec.name, spec);
  }
  return [...byName.values()];
})();

/** The series names a metric exposes: a histogram's _bucket, _count and _sum. */
export function exposedNames(spec: MetricSpec): string[] {
  return spec.type === 'histogram'
    ? [`${spec.name}_bucket`, `${spec.name}_count`, `${spec.name}_sum`]
    : [spec.name];
}

/** Series name → the labels it may carry (its catalog labels, plus job, instance and le). */
export function catalogSeries(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const spec of ALL_METRICS) {
    for (const name of exposedNames(spec)) {
      const labels = new Set([...spec.labelNames, 'job', 'instance']);
      if (name.endsWith('_bucket') && spec.type === 'histogram') labels.add('le');
      out.set(name, labels);
    }
  }
  return out;
}

/**
 * What is wrong with the selectors of `expr`: a metric name that is neither
 * in the catalogs nor in `extraNames`, or a label a catalog metric does not carry.
 */
export function selectorProblems(expr: string, extraNames: ReadonlySet<string>): string[] {
  const series = catalogSeries();
  const problems: string[] = [];
  for (const { name, matchers } of selectorsOf(expr)) {
    const labels = series.get(name);
    if (labels === undefined) {
      if (!extraNames.has(name)) problems.push(`unknown metric ${name}`);
      continue;
    }
    for (const { label } of matchers) {
      if (!labels.has(label)) problems.push(`${name} has no label ${label}`);
    }
  }
  return problems;
}

/** The series selector and label of a Grafana `label_values(SERIES, LABEL)` variable query. */
export function parseLabelValues(query: string): { series: string; label: string } | undefined {
  const m = /^label_values\((.+), (\w+)\)$/.exec(query);
  return m === null ? undefined : { series: m[1] as string, label: m[2] as string };
}
