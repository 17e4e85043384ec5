/**
 * The most recent failures behind the counts: tasks that stopped with a
 * failure class and deployments that failed or rolled back. A bounded list
 * per kind, ordered by event time (newest first), one entry per task or
 * deployment, saved with the kind's state. Pure: entries are plain data; the
 * kinds add an entry only where they count the fact, so a redelivered event
 * adds nothing, and an entry already listed is never listed twice.
 */

import type { StopReasonName } from './task-state-change/stop-reason.js';

/** Entries kept per list by default, and the most that may be asked for. */
export const DEFAULT_RECENT_FAILURES = 100;
export const MAX_RECENT_FAILURES = 1000;

/** Longest reason text kept (ECS cuts stoppedReason at 255 characters). */
const MAX_TEXT = 1024;
/** Most containers kept per task (a task definition holds at most 10). */
const MAX_CONTAINERS = 16;

/** A text from an event, bounded in length without cutting a surrogate pair. */
export function boundText(value: string, max = MAX_TEXT): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export interface RecentContainer {
  readonly name: string;
  /** null when the event has no integer exit code for it. */
  readonly exitCode: number | null;
  readonly reason: string;
}

export interface RecentTaskFailure {
  /** Event time of the stop, ms since the epoch; null when unknown. */
  readonly timeMs: number | null;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskArn: string;
  readonly taskId: string;
  readonly stopCode: string;
  /** The stop reason class (`reason` on ecs_task_stopped_total). */
  readonly reasonClass: string;
  readonly stoppedReason: string;
  readonly containers: readonly RecentContainer[];
}

export interface RecentDeploymentFailure {
  /** Event time, ms since the epoch; null when unknown. */
  readonly timeMs: number | null;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly deploymentId: string;
  /** `failed`, `rolled_back` or both, in that order. */
  readonly outcomes: readonly string[];
  readonly eventName: string;
  readonly reason: string;
}

/** The stop reason classes that mean the task failed, whatever its exit codes. */
const FAILURE_CLASSES: ReadonlySet<string> = new Set<StopReasonName>([
  'image_pull_failed',
  'resource_initialization_failed',
  'out_of_memory',
  'health_check_failed',
  'container_start_failed',
]);

/**
 * Whether a stop is a failure: one of the failure classes, or an essential
 * container's exit with some container's exit code other than 0. (Events do
 * not say which container is essential; an essential container that exits 0
 * while a sidecar is killed with 137 is listed too.)
 */
export function isFailedStop(reasonClass: string, exitCodes: readonly number[]): boolean {
  if (FAILURE_CLASSES.has(reasonClass)) return true;
  return reasonClass === 'essential_container_exited' && exitCodes.some((c) => c !== 0);
}

interface Keyed {
  readonly timeMs: number | null;
}

/** Newest first; an unknown time sorts last; equal times by key, so the order never depends on arrival. */
function newerFirst(a: Keyed, ak: string, b: Keyed, bk: string): number {
  const at = a.timeMs ?? Number.NEGATIVE_INFINITY;
  const bt = b.timeMs ?? Number.NEGATIVE_INFINITY;
  if (at !== bt) return bt - at;
  return ak < bk ? -1 : ak > bk ? 1 : 0;
}

/**
 * A bounded list of entries keyed by an identity, newest first. Which entries
 * it holds depends only on the entries added, not on their order: the
 * `limit` newest (ties broken by key).
 */
export class RecentList<T extends Keyed> {
  #entries: T[] = [];
  readonly #limit: number;
  readonly #keyOf: (entry: T) => string;

  constructor(limit: number, keyOf: (entry: T) => string) {
    if (!Number.isInteger(limit) || limit < 0)
      throw new RangeError('limit must be an integer >= 0');
    this.#limit = limit;
    this.#keyOf = keyOf;
  }

  get entries(): readonly T[] {
    return this.#entries;
  }

  find(key: string): T | undefined {
    return this.#entries.find((e) => this.#keyOf(e) === key);
  }

  /** Adds an entry, or replaces the one with its key; false when it is older than all of a full list. */
  put(entry: T): boolean {
    const key = this.#keyOf(entry);
    const at = this.#entries.findIndex((e) => this.#keyOf(e) === key);
    if (at !== -1) this.#entries.splice(at, 1);
    let i = 0;
    while (i < this.#entries.length) {
      const other = this.#entries[i] as T;
      if (newerFirst(entry, key, other, this.#keyOf(other)) < 0) break;
      i++;
    }
    if (i >= this.#limit) return false;
    this.#entries.splice(i, 0, entry);
    if (this.#entries.length > this.#limit) this.#entries.length = this.#limit;
    return true;
  }

  snapshot(): T[] {
    return [...this.#entries];
  }

  /** Checks saved entries (absent in states saved before the list existed); returns what replaces the list. */
  prepareRestore(data: unknown, read: (value: unknown) => T): () => void {
    if (data !== undefined && !Array.isArray(data))
      throw new Error('recent failures are not a list');
    const restored = new RecentList<T>(this.#limit, this.#keyOf);
    for (const value of data ?? []) restored.put(read(value));
    return () => {
      this.#entries = restored.#entries;
    };
  }
}

function isTime(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function strings(value: unknown, names: readonly string[], what: string): Record<string, string> {
  if (typeof value !== 'object' || value === null) throw new Error(`${what} is not an object`);
  const v = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const name of names) {
    const s = v[name];
    if (typeof s !== 'string') throw new Error(`${what}.${name} is not a string`);
    out[name] = boundText(s);
  }
  if (!isTime(v.timeMs)) throw new Error(`${what}.timeMs is not a time`);
  return out;
}

const TASK_FIELDS = [
  'account',
  'region',
  'cluster',
  'service',
  'taskArn',
  'taskId',
  'stopCode',
  'reasonClass',
  'stoppedReason',
] as const;

export function readRecentTask(value: unknown): RecentTaskFailure {
  const s = strings(value, TASK_FIELDS, 'recent task failure');
  const v = value as { timeMs: number | null; containers?: unknown };
  if (!Array.isArray(v.containers)) throw new Error('recent task failure.containers is not a list');
  const containers = v.containers.slice(0, MAX_CONTAINERS).map((c): RecentContainer => {
    const cs = strings({ timeMs: null, ...c }, ['name', 'reason'], 'recent container');
    const exitCode = (c as { exitCode?: unknown }).exitCode;
    if (exitCode !== null && !Number.isSafeInteger(exitCode)) {
      throw new Error('recent container.exitCode is not an integer');
    }
    return {
      name: cs.name as string,
      exitCode: exitCode as number | null,
      reason: cs.reason as string,
    };
  });
  const t = s as Record<(typeof TASK_FIELDS)[number], string>;
  // In the order the kind builds an entry, so a restored state captures as it was saved.
  return {
    timeMs: v.timeMs,
    account: t.account,
    region: t.region,
    cluster: t.cluster,
    service: t.service,
    taskArn: t.taskArn,
    taskId: t.taskId,
    stopCode: t.stopCode,
    reasonClass: t.reasonClass,
    stoppedReason: t.stoppedReason,
    containers,
  };
}

const DEPLOYMENT_FIELDS = [
  'account',
  'region',
  'cluster',
  'service',
  'deploymentId',
  'eventName',
  'reason',
] as const;

export function readRecentDeployment(value: unknown): RecentDeploymentFailure {
  const s = strings(value, DEPLOYMENT_FIELDS, 'recent deployment failure');
  const v = value as { timeMs: number | null; outcomes?: unknown };
  const outcomes = v.outcomes;
  if (
    !Array.isArray(outcomes) ||
    outcomes.length === 0 ||
    !outcomes.every((o) => o === 'failed' || o === 'rolled_back')
  ) {
    throw new Error('recent deployment failure.outcomes is malformed');
  }
  const d = s as Record<(typeof DEPLOYMENT_FIELDS)[number], string>;
  return {
    timeMs: v.timeMs,
    account: d.account,
    region: d.region,
    cluster: d.cluster,
    service: d.service,
    deploymentId: d.deploymentId,
    outcomes: ['failed', 'rolled_back'].filter((o) => outcomes.includes(o)),
    eventName: d.eventName,
    reason: d.reason,
  };
}

/** A container list from an event's containers, bounded. */
export function recentContainers(containers: unknown): RecentContainer[] {
  if (!Array.isArray(containers)) return [];
  const out: RecentContainer[] = [];
  for (const c of containers) {
    if (out.length >= MAX_CONTAINERS) break;
    if (c === null || typeof c !== 'object') continue;
    const { name, exitCode, reason } = c as Record<string, unknown>;
    out.push({
      name: boundText(typeof name === 'string' ? name : '', 128),
      exitCode: typeof exitCode === 'number' && Number.isSafeInteger(exitCode) ? exitCode : null,
      reason: typeof reason === 'string' ? boundText(reason) : '',
    });
  }
  return out;
}
