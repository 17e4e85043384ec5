/**
 * How check-pattern judges a pattern: which reference events EventBridge
 * would send through it (a condition on a scope field taken as met), which
 * task statuses and ECS detail-types pass, and what the dropped events cost
 * the metrics.
 */
import {
  TASK_RUN_DURATION,
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
  type ReferenceEvent,
  type References,
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

const detailOf = (e: ReferenceEvent) => (e.event.detail ?? {}) as Record<string, unknown>;
const isTaskEvent = (e: ReferenceEvent) =>
  e.event.source === 'aws.ecs' && e.event['detail-type'] === TASK_DETAIL_TYPE;
const carries = (e: ReferenceEvent, fields: readonly string[]) =>
  fields.every((f) => typeof detailOf(e)[f] === 'string');

function brokenMetrics(
  statuses: readonly StatusVerdict[],
  taskEvents: readonly ReferenceEvent[],
  passed: ReadonlySet<ReferenceEvent>,
  carriedFields: References['carriedFields'],
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
  for (const { metric, fields } of carriedFields) {
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
  refs: References,
): PatternResult {
  const passed = new Set(
    refs.events.filter((e) => matchesEventPattern(pattern, e.event, { assumed: SCOPE_FIELDS })),
  );
  return judgePassed(name, pattern, warnings, scopeOf(pattern), passed, refs);
}

/** Several rules as one: an event reaches the stream when any of them sends it. */
export function judgeTogether(rules: readonly PatternResult[], refs: References): PatternResult {
  const passed = new Set(
    refs.events.filter((e) =>
      rules.some((r) => matchesEventPattern(r.pattern, e.event, { assumed: SCOPE_FIELDS })),
    ),
  );
  return judgePassed(
    `all ${rules.length} rules together`,
    rules.map((r) => r.pattern),
    [],
    rules.flatMap((r) => r.scope),
    passed,
    refs,
  );
}

function judgePassed(
  name: string,
  pattern: unknown,
  warnings: readonly string[],
  scope: PatternResult['scope'],
  passed: ReadonlySet<ReferenceEvent>,
  refs: References,
): PatternResult {
  const { events } = refs;
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
  const detailTypes = refs.detailTypes.map(({ detailType, counted }) => {
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
  const broken = brokenMetrics(statuses, taskEvents, passed, refs.carriedFields);
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

/** A pattern checked as EventBridge would, and judged when it is valid. */
export function checkOne(name: string, pattern: unknown, refs: References): PatternResult {
  const { errors, warnings } = checkEventPattern(pattern);
  if (errors.length > 0) return invalid(name, pattern, errors, warnings);
  return judge(name, pattern, warnings, refs);
}

export function invalid(
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
