/**
 * `ecs-events-exporter check-pattern FILE`: reads an EventBridge event pattern
 * (JSON), or the event patterns of the AWS::Events::Rule resources of a
 * CloudFormation template (YAML with !Ref/!GetAtt/!Sub… tags, or JSON),
 * reports what EventBridge would reject, and judges each pattern as
 * EventBridge would match it against the reference events: which task
 * statuses and ECS detail-types it lets through, within its scope.
 *
 * Scope: a condition on a field that says which tasks (cluster, service
 * group, account, region, launch type, task definition…) narrows what is
 * watched, and is legitimate. Such a condition is taken as met by any event
 * that has the field; everything else (detail-type, source, lastStatus,
 * stopCode, desiredStatus, …) is matched for real. Exit status: 0 nothing the
 * metrics count is dropped within the scope, 1 something is, 2 invalid input.
 */
import { readFile } from 'node:fs/promises';
import { parse, type Tags } from 'yaml';
import {
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
} from '../kinds/task-state-change/task-metrics.js';
import {
  checkEventPattern,
  isObject,
  matchesEventPattern,
  patternLeaves,
} from './event-pattern.js';
import {
  ECS_DETAIL_TYPES,
  REFERENCE_EVENTS,
  type ReferenceEvent,
  TASK_DETAIL_TYPE,
  TASK_STATUSES,
} from './reference-events.js';

/** Fields that choose which tasks (or services, instances) are watched: a condition on them is a scope. */
export const SCOPE_FIELDS: ReadonlySet<string> = new Set([
  'account',
  'region',
  'resources',
  'detail.clusterArn',
  'detail.group',
  'detail.taskDefinitionArn',
  'detail.taskArn',
  'detail.launchType',
  'detail.capacityProviderName',
  'detail.availabilityZone',
  'detail.platformVersion',
  'detail.platformFamily',
  'detail.containerInstanceArn',
  'detail.startedBy',
  'detail.cpu',
  'detail.memory',
  'detail.containers.name',
  'detail.containers.image',
  'detail.containers.containerArn',
  'detail.containers.taskArn',
]);

export interface StatusVerdict {
  readonly status: string;
  /** Reference task events with this lastStatus, and how many of them pass. */
  readonly events: number;
  readonly passed: number;
}

export interface DetailTypeVerdict {
  readonly detailType: string;
  /** Whether the exporter counts this detail-type today. */
  readonly counted: boolean;
  readonly events: number;
  readonly passed: number;
}

export interface BrokenMetric {
  readonly metric: string;
  readonly because: string;
}

export interface PatternResult {
  /** "event pattern" for a pattern file; the rule's logical id in a template. */
  readonly name: string;
  readonly pattern: unknown;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** The conditions on scope fields, as written. */
  readonly scope: readonly { readonly path: string; readonly matchers: readonly unknown[] }[];
  /** Per reference event, within the scope; empty when the pattern has errors. */
  readonly matches: readonly { readonly event: string; readonly matched: boolean }[];
  readonly statuses: readonly StatusVerdict[];
  readonly detailTypes: readonly DetailTypeVerdict[];
  /** What the dropped events cost the metrics; empty when nothing counted is dropped. */
  readonly broken: readonly BrokenMetric[];
  /**
   * Counted detail-types other than task state changes that the pattern does
   * not send at all: a rule for task events only is a legitimate choice, so
   * this is a note (their metrics stay empty), not a drop.
   */
  readonly notSent: readonly string[];
}

export interface PatternReport {
  readonly path: string;
  readonly kind: 'pattern' | 'cloudformation' | 'unreadable';
  /** Problems with the file itself: unreadable, not JSON/YAML, no rule with a pattern. */
  readonly errors: readonly string[];
  readonly patterns: readonly PatternResult[];
  /**
   * A template of several valid rules: all of them together, judged on the
   * events any of them sends (what reaches the stream). Its rules may split
   * the detail-types between them (a partition key path per target).
   */
  readonly together?: PatternResult;
  /** Every pattern valid. */
  readonly valid: boolean;
  /**
   * Valid, and no pattern (in a template of several rules: the rules
   * together) drops, within its scope, an event the exporter counts.
   */
  readonly complete: boolean;
}

const INTRINSICS = [
  'Ref',
  'Condition',
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

/** CloudFormation's short-form intrinsic tags, read as their long form ({"Fn::Sub": …}). */
export const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }),
    },
  ];
});

/** A CloudFormation template (YAML or JSON) as plain data, intrinsics in long form. */
export function parseTemplate(text: string): unknown {
  return parse(text, { customTags: CLOUDFORMATION_TAGS });
}

const detailOf = (e: ReferenceEvent) => (e.event.detail ?? {}) as Record<string, unknown>;
const isTaskEvent = (e: ReferenceEvent) =>
  e.event.source === 'aws.ecs' && e.event['detail-type'] === TASK_DETAIL_TYPE;
const carries = (e: ReferenceEvent, fields: readonly string[]) =>
  fields.every((f) => typeof detailOf(e)[f] === 'string');

/** The duration metrics: each needs one event of the task that carries both timestamps. */
const DURATIONS: readonly { readonly metric: string; readonly fields: readonly string[] }[] = [
  { metric: TASK_STARTUP_DURATION, fields: ['createdAt', 'startedAt'] },
  { metric: TASK_IMAGE_PULL_DURATION, fields: ['pullStartedAt', 'pullStoppedAt'] },
];

function brokenMetrics(
  statuses: readonly StatusVerdict[],
  taskEvents: readonly ReferenceEvent[],
  passed: ReadonlySet<ReferenceEvent>,
): BrokenMetric[] {
  const broken: BrokenMetric[] = [];
  for (const s of statuses) {
    if (s.passed === s.events) continue;
    const what = `${s.events - s.passed} of ${s.events} ${s.status} events dropped`;
    broken.push({ metric: `${TASK_STATE_TRANSITIONS}{last_status="${s.status}"}`, because: what });
    if (s.status === 'STOPPED') {
      broken.push({ metric: TASK_STOPPED, because: what });
      broken.push({ metric: TASK_RUN_DURATION, because: what });
    }
  }
  const tasks = new Map<string, ReferenceEvent[]>();
  for (const e of taskEvents) {
    const arn = String(detailOf(e).taskArn);
    tasks.set(arn, [...(tasks.get(arn) ?? []), e]);
  }
  for (const { metric, fields } of DURATIONS) {
    let lost = 0;
    let having = 0;
    for (const events of tasks.values()) {
      const carriers = events.filter((e) => carries(e, fields));
      if (carriers.length === 0) continue;
      having++;
      if (!carriers.some((e) => passed.has(e))) lost++;
    }
    if (lost > 0) {
      broken.push({
        metric,
        because: `no event that passes carries ${fields.join(' and ')}, for ${lost} of ${having} tasks`,
      });
    }
  }
  return broken;
}

/** The conditions of a pattern on scope fields. */
function scopeOf(pattern: unknown): PatternResult['scope'] {
  // `exists: false` on a scope field narrows nothing: every event of the kind has the field.
  return patternLeaves(pattern).filter(
    (leaf) =>
      SCOPE_FIELDS.has(leaf.path) && !leaf.matchers.every((m) => isObject(m) && m.exists === false),
  );
}

function judge(
  name: string,
  pattern: unknown,
  warnings: readonly string[],
  events: readonly ReferenceEvent[],
): PatternResult {
  const passed = new Set(
    events.filter((e) => matchesEventPattern(pattern, e.event, { assumed: SCOPE_FIELDS })),
  );
  return judgePassed(name, pattern, warnings, scopeOf(pattern), passed, events);
}

/** Several rules as one: an event reaches the stream when any of them sends it. */
function judgeTogether(
  rules: readonly PatternResult[],
  events: readonly ReferenceEvent[],
): PatternResult {
  const passed = new Set(
    events.filter((e) =>
      rules.some((r) => matchesEventPattern(r.pattern, e.event, { assumed: SCOPE_FIELDS })),
    ),
  );
  return judgePassed(
    `all ${rules.length} rules together`,
    rules.map((r) => r.pattern),
    [],
    rules.flatMap((r) => r.scope),
    passed,
    events,
  );
}

function judgePassed(
  name: string,
  pattern: unknown,
  warnings: readonly string[],
  scope: PatternResult['scope'],
  passed: ReadonlySet<ReferenceEvent>,
  events: readonly ReferenceEvent[],
): PatternResult {
  const taskEvents = events.filter(isTaskEvent);
  const statuses = [
    ...TASK_STATUSES,
    ...new Set(
      taskEvents
        .map((e) => String(detailOf(e).lastStatus))
        .filter((s) => !(TASK_STATUSES as readonly string[]).includes(s)),
    ),
  ]
    .map((status) => {
      const of = taskEvents.filter((e) => detailOf(e).lastStatus === status);
      return { status, events: of.length, passed: of.filter((e) => passed.has(e)).length };
    })
    .filter((s) => s.events > 0);
  const detailTypes = ECS_DETAIL_TYPES.map(({ detailType, counted }) => {
    const of = events.filter(
      (e) => e.event.source === 'aws.ecs' && e.event['detail-type'] === detailType,
    );
    return {
      detailType,
      counted,
      events: of.length,
      passed: of.filter((e) => passed.has(e)).length,
    };
  });
  const broken = brokenMetrics(statuses, taskEvents, passed);
  const notSent: string[] = [];
  for (const d of detailTypes) {
    if (!d.counted || d.detailType === TASK_DETAIL_TYPE || d.events === 0) continue;
    if (d.passed === 0) notSent.push(d.detailType);
    else if (d.passed < d.events) {
      broken.push({
        metric: `the metrics of "${d.detailType}"`,
        because: `${d.events - d.passed} of ${d.events} events dropped`,
      });
    }
  }
  return {
    name,
    pattern,
    errors: [],
    warnings,
    scope,
    matches: events.map((e) => ({ event: e.name, matched: passed.has(e) })),
    statuses,
    detailTypes,
    broken,
    notSent,
  };
}

function checkOne(
  name: string,
  pattern: unknown,
  events: readonly ReferenceEvent[],
): PatternResult {
  const { errors, warnings } = checkEventPattern(pattern);
  if (errors.length > 0) return invalid(name, pattern, errors, warnings);
  return judge(name, pattern, warnings, events);
}

function invalid(
  name: string,
  pattern: unknown,
  errors: string[],
  warnings: readonly string[] = [],
): PatternResult {
  return {
    name,
    pattern,
    errors,
    warnings,
    scope: [],
    matches: [],
    statuses: [],
    detailTypes: [],
    broken: [],
    notSent: [],
  };
}

function rulesOf(template: Record<string, unknown>, events: readonly ReferenceEvent[]) {
  const results: PatternResult[] = [];
  const resources = isObject(template.Resources) ? template.Resources : {};
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::Events::Rule') continue;
    const properties = isObject(resource.Properties) ? resource.Properties : {};
    let pattern = properties.EventPattern;
    if (pattern === undefined) continue; // a scheduled rule
    if (typeof pattern === 'string') {
      // EventPattern may also be given as a JSON string.
      try {
        pattern = JSON.parse(pattern);
      } catch (err) {
        results.push(
          invalid(id, pattern, [
            `EventPattern is a string that is not JSON: ${(err as Error).message}`,
          ]),
        );
        continue;
      }
    }
    results.push(checkOne(id, pattern, events));
  }
  return results;
}

function report(
  path: string,
  kind: PatternReport['kind'],
  errors: string[],
  patterns: PatternResult[],
  events: readonly ReferenceEvent[] = [],
): PatternReport {
  const valid = errors.length === 0 && patterns.every((p) => p.errors.length === 0);
  if (kind === 'cloudformation' && valid && patterns.length > 1) {
    const together = judgeTogether(patterns, events);
    const complete = together.broken.length === 0;
    return { path, kind, errors, patterns, together, valid, complete };
  }
  const complete = valid && patterns.every((p) => p.broken.length === 0);
  return { path, kind, errors, patterns, valid, complete };
}

async function readInput(
  path: string,
  stdin?: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  if (stdin === undefined) throw new Error('no standard input');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks a pattern file (or - for standard input) or a CloudFormation template against `events`. */
export async function checkPatternFile(
  path: string,
  events: readonly ReferenceEvent[] = REFERENCE_EVENTS,
  stdin?: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<PatternReport> {
  let text: string;
  try {
    text = await readInput(path, stdin);
  } catch (err) {
    return report(path, 'unreadable', [`cannot read ${path}: ${(err as Error).message}`], []);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = parseTemplate(text);
    } catch (err) {
      return report(
        path,
        'unreadable',
        [`${path} is neither JSON nor YAML: ${(err as Error).message}`],
        [],
      );
    }
  }
  if (isObject(data) && (isObject(data.Resources) || 'AWSTemplateFormatVersion' in data)) {
    const patterns = rulesOf(data, events);
    const errors =
      patterns.length === 0 ? ['the template has no AWS::Events::Rule with an EventPattern'] : [];
    return report(path, 'cloudformation', errors, patterns, events);
  }
  return report(path, 'pattern', [], [checkOne('event pattern', data, events)]);
}

const pad = (text: string, width: number) => text.padEnd(width);

function passMark(passed: number, events: number): string {
  if (passed === events) return `passes (${events} of ${events} events)`;
  if (passed === 0) return `DROPPED (0 of ${events} events pass)`;
  return `PARTLY DROPPED (${passed} of ${events} events pass)`;
}

function formatResult(p: PatternResult, out: string[], partOfMany = false) {
  out.push(`  ${p.name}: ${p.errors.length === 0 ? 'valid' : 'INVALID'}`);
  for (const e of p.errors) out.push(`    error: ${e}`);
  for (const w of p.warnings) out.push(`    note: ${w}`);
  if (p.errors.length > 0) return;
  if (p.scope.length === 0) {
    out.push('    scope: everything (no condition on cluster, service group, account, region…)');
  } else {
    out.push('    scope (a legitimate narrowing; judged as if every event were inside it):');
    for (const s of p.scope) out.push(`      ${s.path} ${JSON.stringify(s.matchers)}`);
  }
  out.push(`    task statuses ("${TASK_DETAIL_TYPE}"):`);
  for (const s of p.statuses) out.push(`      ${pad(s.status, 16)}${passMark(s.passed, s.events)}`);
  out.push('    ECS detail-types:');
  for (const d of p.detailTypes) {
    const mark =
      d.passed === d.events
        ? 'passes'
        : d.passed === 0
          ? d.counted && d.detailType !== TASK_DETAIL_TYPE
            ? 'not sent'
            : 'dropped'
          : 'PARTLY DROPPED';
    const counted = d.counted ? 'counted by the exporter' : 'not counted';
    out.push(`      ${pad(d.detailType, 38)}${pad(mark, 16)}${counted}`);
  }
  if (partOfMany) {
    if (p.broken.length > 0) out.push('    what it drops is judged with the other rules, below');
  } else if (p.broken.length > 0) {
    out.push('    drops what the metrics need:');
    for (const b of p.broken) out.push(`      ${b.metric}: ${b.because}`);
  }
}

const scopeWords = (p: PatternResult) =>
  p.scope.length === 0
    ? ''
    : ` within its scope (${[...new Set(p.scope.map((s) => s.path))].join(', ')})`;

function verdict(r: PatternReport): string {
  if (!r.valid)
    return 'INVALID: EventBridge would reject this pattern, or the file cannot be read.';
  const judged = r.together === undefined ? r.patterns : [r.together];
  const lines = judged.map((p) => {
    const prefix = judged.length > 1 || r.together !== undefined ? `${p.name}: ` : '';
    if (p.broken.length === 0) {
      if (p.notSent.length > 0) {
        return `${prefix}OK: valid;${scopeWords(p)} every task status passes.\n${prefix}note: not sent by this pattern: ${p.notSent.join(', ')}. Their metrics stay empty unless a second rule sends them to the stream; its Kinesis target is keyed by the event id (these events have no detail.taskArn, and some no resources). Check a template with both rules to judge them together.`;
      }
      return `${prefix}OK: valid;${scopeWords(p)} every task status and every ECS detail-type the exporter counts passes.`;
    }
    const statuses = p.statuses.filter((s) => s.passed < s.events).map((s) => s.status);
    const metrics = [...new Set(p.broken.map((b) => b.metric.replace(/\{.*$/, '')))];
    const what = statuses.length > 0 ? `task statuses ${statuses.join(', ')}` : 'events';
    const noTasks = p.statuses.every((s) => s.passed === 0)
      ? ' Task events are what the exporter is for: a rule for the other kinds only is checked with the task rule, in a template that has both.'
      : '';
    return `${prefix}DROPS: valid, but${scopeWords(p)} it drops ${what} that the metrics need (${metrics.join(', ')}); counts from what passes are wrong, not just incomplete.${noTasks}`;
  });
  return lines.join('\n');
}

export function formatPatternReport(r: PatternReport): string {
  const out: string[] = [];
  const what =
    r.kind === 'cloudformation'
      ? `CloudFormation template, ${r.patterns.length} event pattern(s)`
      : r.kind === 'pattern'
        ? 'event pattern'
        : 'not read';
  out.push(`${r.path}: ${what}`);
  for (const e of r.errors) out.push(`  error: ${e}`);
  for (const p of r.patterns) formatResult(p, out, r.together !== undefined);
  if (r.together !== undefined) formatResult(r.together, out);
  out.push(verdict(r));
  return `${out.join('\n')}\n`;
}

export interface PatternIo {
  readonly stdin?: AsyncIterable<unknown> | Iterable<unknown>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The check-pattern command: the report on stdout (on stderr when invalid); 0, 1 or 2. */
export async function runCheckPattern(path: string, io: PatternIo): Promise<number> {
  const r = await checkPatternFile(path, REFERENCE_EVENTS, io.stdin);
  const text = formatPatternReport(r);
  if (r.valid) {
    io.stdout.write(text);
    return r.complete ? 0 : 1;
  }
  io.stderr.write(text);
  return 2;
}
