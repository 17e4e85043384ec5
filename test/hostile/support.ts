/**
 * Shared by the hostile-input tests: an independent oracle of the metrics
 * contract's record classification, a strict parser of the text exposition
 * (stricter than the scrape parser: escapes, family grouping, histogram
 * order), promtool, and checks that no built-in prototype was touched.
 */
import { spawnSync } from 'node:child_process';
import type { Counting as Core } from '../../src/counting.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { fixtureLine } from '../helpers/exposition.js';

export const SEED_NAMES = ['task-exited.json', 'task-failed-to-start.json'] as const;
export const SEED_LINES: readonly string[] = SEED_NAMES.map((name) => fixtureLine(name));

export const seedEvent = (index: 0 | 1): Record<string, unknown> =>
  JSON.parse(SEED_LINES[index] as string) as Record<string, unknown>;

export type Result = 'processed' | 'duplicate' | 'invalid' | 'ignored';

const own = (o: object, key: string): unknown =>
  Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;

const isPlainObject = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields the contract classifies by, read as own properties only. */
export type Shape =
  | { kind: 'invalid' | 'ignored' }
  | { kind: 'task'; taskArn: string; version: number; lastStatus: string };

/** The contract's `invalid` / `ignored` / task-event rules, written from the table alone. */
export function shapeOf(record: string | Uint8Array): Shape {
  const text = typeof record === 'string' ? record : new TextDecoder().decode(record);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid' };
  }
  if (!isPlainObject(value)) return { kind: 'invalid' };
  const source = own(value, 'source');
  const detailType = own(value, 'detail-type');
  if (typeof source !== 'string' || typeof detailType !== 'string') return { kind: 'invalid' };
  if (source !== 'aws.ecs' || detailType !== 'ECS Task State Change') return { kind: 'ignored' };
  const detail = own(value, 'detail');
  if (!isPlainObject(detail)) return { kind: 'invalid' };
  const taskArn = own(detail, 'taskArn');
  const lastStatus = own(detail, 'lastStatus');
  const version = own(detail, 'version');
  if (typeof taskArn !== 'string' || typeof lastStatus !== 'string') return { kind: 'invalid' };
  // "not an integer": a JSON number past 2^53 cannot be told from its neighbours, so only
  // safe integers can be deduplicated exactly (the implementation's reading, and ours).
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) return { kind: 'invalid' };
  return { kind: 'task', taskArn, version, lastStatus };
}

/** Replays the contract over a sequence: classification, dedupe, transitions and stops. */
export class ContractOracle {
  readonly counts: Record<Result, number> = { processed: 0, duplicate: 0, invalid: 0, ignored: 0 };
  readonly #pairs = new Set<string>();
  readonly #statuses = new Set<string>();
  readonly #stopped = new Set<string>();

  handle(record: string | Uint8Array): Result {
    const shape = shapeOf(record);
    let result: Result;
    if (shape.kind !== 'task') {
      result = shape.kind;
    } else {
      const pair = JSON.stringify([shape.taskArn, shape.version]);
      if (this.#pairs.has(pair)) {
        result = 'duplicate';
      } else {
        this.#pairs.add(pair);
        this.#statuses.add(JSON.stringify([shape.taskArn, shape.lastStatus]));
        if (shape.lastStatus === 'STOPPED') this.#stopped.add(shape.taskArn);
        result = 'processed';
      }
    }
    this.counts[result]++;
    return result;
  }

  /** Expected sum of ecs_task_state_transitions_total: one per (task, lastStatus). */
  get transitions(): number {
    return this.#statuses.size;
  }

  /** Expected sum of ecs_task_stopped_total: one per task that reached STOPPED. */
  get stopped(): number {
    return this.#stopped.size;
  }
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const VALUE = /^(?:[+-]?Inf|NaN|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

/** One sample line; throws on anything the text format does not allow. */
export function parseSampleLine(line: string): Sample {
  const nameMatch = NAME.exec(line);
  if (nameMatch === null) throw new Error(`no metric name: ${JSON.stringify(line)}`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const labelMatch = LABEL_NAME.exec(line.slice(i));
      if (labelMatch === null) throw new Error(`bad label name at ${i}: ${JSON.stringify(line)}`);
      const label = labelMatch[0];
      i += label.length;
      if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`bad label: ${line}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value: ${JSON.stringify(line)}`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i + 1];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new Error(`bad escape \\${e} in ${JSON.stringify(line)}`);
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      if (Object.hasOwn(labels, label)) throw new Error(`label ${label} twice: ${line}`);
      Object.defineProperty(labels, label, { value, enumerable: true });
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } at ${i}: ${JSON.stringify(line)}`);
    }
    i++;
  }
  if (line[i] !== ' ')
    throw new Error(`expected a space before the value: ${JSON.stringify(line)}`);
  const rest = line.slice(i + 1).split(' ');
  if (rest.length > 2 || !VALUE.test(rest[0] as string)) {
    throw new Error(`bad value: ${JSON.stringify(line)}`);
  }
  const text = rest[0] as string;
  const value = text.endsWith('Inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  return { name, labels, value };
}

const seriesId = (labels: Readonly<Record<string, string>>, without?: string) =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== without)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/**
 * Parses a whole exposition and checks what a strict reader relies on: each
 * family declared once by TYPE and its lines together, no series twice, and
 * for each histogram series its buckets in increasing `le` order, cumulative,
 * ending in +Inf equal to `_count`. Returns the samples; throws on a problem.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const histograms = new Map<
    string,
    { les: number[]; values: number[]; count?: number; countAfterBuckets: boolean }
  >();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (name === undefined || type === undefined) throw new Error(`bad TYPE line: ${line}`);
      if (types.has(name)) throw new Error(`TYPE of ${name} twice`);
      if (current !== undefined) closed.add(current);
      types.set(name, type);
      current = name;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    const family = [sample.name, sample.name.replace(/_(bucket|sum|count)$/, '')].find(
      (n) => types.has(n) && (n === sample.name || types.get(n) === 'histogram'),
    );
    if (family === undefined) throw new Error(`sample of undeclared family: ${line}`);
    if (family !== current || closed.has(family)) {
      throw new Error(`lines of ${family} are not together: ${line}`);
    }
    const id = `${sample.name}${seriesId(sample.labels)}`;
    if (seen.has(id)) throw new Error(`series twice: ${line}`);
    seen.add(id);
    if (types.get(family) === 'histogram') {
      const key = `${family}${seriesId(sample.labels, 'le')}`;
      let h = histograms.get(key);
      if (h === undefined) {
        h = { les: [], values: [], countAfterBuckets: true };
        histograms.set(key, h);
      }
      if (sample.name === `${family}_bucket`) {
        const le = sample.labels.le;
        if (le === undefined) throw new Error(`bucket without le: ${line}`);
        if (h.count !== undefined) h.countAfterBuckets = false;
        h.les.push(le === '+Inf' ? Infinity : Number(le));
        h.values.push(sample.value);
      } else if (sample.name === `${family}_count`) {
        h.count = sample.value;
      }
    }
    samples.push(sample);
  }
  for (const [key, h] of histograms) {
    for (let i = 1; i < h.les.length; i++) {
      if (!((h.les[i] as number) > (h.les[i - 1] as number))) {
        throw new Error(`${key}: buckets not in increasing le order: ${h.les.join(' ')}`);
      }
      if ((h.values[i] as number) < (h.values[i - 1] as number)) {
        throw new Error(`${key}: buckets not cumulative`);
      }
    }
    if (h.les.at(-1) !== Infinity) throw new Error(`${key}: no +Inf bucket last`);
    if (h.count !== h.values.at(-1)) throw new Error(`${key}: +Inf bucket is not _count`);
    if (!h.countAfterBuckets) throw new Error(`${key}: buckets after _count`);
  }
  return samples;
}

/** `promtool check metrics` on the text; status 0 when it is accepted. */
export function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export async function expositionOfCore(core: Core): Promise<string> {
  return canonicalExposition(await core.exposition());
}

/** Own property names of the built-in prototypes a polluted merge would touch. */
export function prototypeFingerprint(): string {
  const protos: [string, object][] = [
    ['Object', Object.prototype],
    ['Array', Array.prototype],
    ['Function', Function.prototype],
    ['String', String.prototype],
    ['Map', Map.prototype],
  ];
  return JSON.stringify(protos.map(([name, p]) => [name, Object.getOwnPropertyNames(p).sort()]));
}

/** Values a pollution would most likely leave behind on a fresh object. */
export function pollutionTraces(): unknown[] {
  const probe = {} as Record<string, unknown>;
  return [
    probe.polluted,
    probe.taskArn,
    probe.source,
    probe.lastStatus,
    probe.version,
    probe.detail,
    ([] as unknown as Record<string, unknown>).polluted,
    Object.keys(probe).length,
    Object.keys(Object.prototype).length,
  ];
}

export const CLEAN_TRACES = [
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  0,
  0,
];

/** Sets `value` at `path`, creating own properties (even `__proto__`); false when a parent is not an object. */
export function setPath(
  root: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
): boolean {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node !== 'object' || node === null) return false;
  const last = path.at(-1) as string | number;
  if (value === DELETE) delete (node as Record<string | number, unknown>)[last];
  else {
    Object.defineProperty(node, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return true;
}

/** A marker for "remove the field". */
export const DELETE = Symbol('delete');

/** Every field the contract reads, as paths into an event. */
export const CONTRACT_PATHS: readonly (readonly (string | number)[])[] = [
  ['source'],
  ['detail-type'],
  ['time'],
  ['detail'],
  ['detail', 'taskArn'],
  ['detail', 'lastStatus'],
  ['detail', 'version'],
  ['detail', 'clusterArn'],
  ['detail', 'group'],
  ['detail', 'taskDefinitionArn'],
  ['detail', 'launchType'],
  ['detail', 'stopCode'],
  ['detail', 'stoppedReason'],
  ['detail', 'containers'],
  ['detail', 'containers', 0],
  ['detail', 'containers', 0, 'reason'],
  ['detail', 'createdAt'],
  ['detail', 'pullStartedAt'],
  ['detail', 'pullStoppedAt'],
  ['detail', 'startedAt'],
  ['detail', 'executionStoppedAt'],
  ['detail', 'stoppedAt'],
  ['__proto__'],
  ['constructor'],
  ['prototype'],
  ['detail', '__proto__'],
  ['detail', 'constructor'],
  ['detail', 'prototype'],
];

/** Label text a hostile event may carry: escapes, control characters, bidi marks, length. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  '"',
  '\\',
  '\\"',
  '\n',
  '\r\n',
  '\u0000',
  'a"b\\c\nd\u0000e',
  '} 1\nfake_metric{a="b"} 2',
  '# TYPE x counter',
  'le="0.5"',
  ',le=',
  'x,le="1"',
  '\u202Eevil\u202C',
  '\u200F\u061Cمرحبا',
  '名前🙂\u{1F600}',
  'e\u0301',
  '\uFEFF',
  '\t',
  '__proto__',
  'constructor',
  'service:',
  'service:"\\\n',
  'arn:aws:ecs:r:1:cluster/',
  'task-definition/:1',
  'x'.repeat(5000),
  '"'.repeat(300),
  '\\'.repeat(300),
  '\n'.repeat(300),
  'STOPPED',
  'RUNNING',
  'PENDING',
];

/** Timestamps and times worth trying: extremes, garbage, near-valid. */
export const HOSTILE_TIMES: readonly unknown[] = [
  '2021-07-12T05:43:29.769Z',
  '2021-07-12T05:43:29.768Z',
  '1970-01-01T00:00:00Z',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  'not a date',
  '',
  '2021-02-30T00:00:00Z',
  0,
  1626068609000,
  null,
  true,
  [],
  {},
];
