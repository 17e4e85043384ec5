/**
 * Workloads: what a series lives as long as. A series belongs to the
 * workload its labels name, read from the family's label names alone, so a
 * family added to the catalog with workload labels expires with no code of
 * its own:
 * - (account, region, cluster, service or daemon, family): a task workload;
 * - (account, region, cluster, service or daemon): a service, the parent of
 *   its task workloads (what touches or holds one of them touches or holds
 *   it too), so deployment and service action series live as long as any
 *   of its workloads does;
 * - (account, region, cluster): the cluster's container instances.
 * A family without `ecs_cluster` never expires.
 *
 * A workload is touched (at the store's event-time clock) by every fact
 * recorded in its series, and held by what a kind knows to be running (a
 * task not yet stopped, a registered instance). One idle for longer than
 * the idle expiry and not held is removed with its series. The expiry queue
 * is a heap by due time with at most one entry per workload: a workload
 * touched meanwhile is put back with its new due time when it comes up, so
 * a fact costs a field write and the clock's advance a comparison.
 */

/** The labels that name a workload, in key order. */
export const WORKLOAD_LABELS = [
  'aws_account_id',
  'aws_region',
  'ecs_cluster',
  'ecs_service',
  'daemon',
  'family',
] as const;

export const DEFAULT_SERIES_IDLE_EXPIRY_MS = 14 * 24 * 3_600_000;

/** Where a family's workload labels are: their names (the scope) and indexes in its label list. */
export interface WorkloadScope {
  readonly names: readonly string[];
  readonly indexes: readonly number[];
  /** Index in `names` of `family`, -1 without; of the service or daemon, -1 without. */
  readonly familyAt: number;
  readonly ownerAt: number;
}

/** The workload scope of a family with these labels; undefined when its series never expire. */
export function workloadScope(labelNames: readonly string[]): WorkloadScope | undefined {
  if (!labelNames.includes('ecs_cluster')) return undefined;
  const names: string[] = [];
  const indexes: number[] = [];
  for (const name of WORKLOAD_LABELS) {
    const i = labelNames.indexOf(name);
    if (i === -1) continue;
    names.push(name);
    indexes.push(i);
  }
  const ownerAt = names.findIndex((n) => n === 'ecs_service' || n === 'daemon');
  return { names, indexes, familyAt: names.indexOf('family'), ownerAt };
}

/** The key of a workload: its scope, then its values' JSON. */
export function workloadKey(names: readonly string[], values: readonly string[]): string {
  return `${names.join(',')}\u0001${JSON.stringify(values)}`;
}

export class Workload {
  /** Newest event time of a fact of it, ms; -Infinity until the clock has a time. */
  lastMs: number;
  /** Things running that keep it (tasks not stopped, registered instances). */
  holds = 0;
  /** In the expiry queue now. */
  queued = false;
  /** Expired: its series are gone; a fact of it makes a new workload. */
  gone = false;
  /** Its series (removed ones are skipped and dropped now and then). */
  members: { dead: boolean }[] = [];

  constructor(
    readonly key: string,
    readonly names: readonly string[],
    readonly values: readonly string[],
    readonly parent: Workload | undefined,
    lastMs: number,
  ) {
    this.lastMs = lastMs;
  }

  /** Due to be looked at when the clock passes this, ms. */
  due(idleMs: number): number {
    return this.lastMs + idleMs;
  }
}

/** Workloads by due time, earliest first (a binary heap). */
export class ExpiryQueue {
  #items: Workload[] = [];
  #due: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  clear(): void {
    for (const w of this.#items) w.queued = false;
    this.#items = [];
    this.#due = [];
  }

  /** Earliest due time, +Infinity when empty. */
  peekDue(): number {
    return this.#due.length === 0 ? Number.POSITIVE_INFINITY : (this.#due[0] as number);
  }

  push(w: Workload, due: number): void {
    w.queued = true;
    const items = this.#items;
    const dues = this.#due;
    let i = items.length;
    items.push(w);
    dues.push(due);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((dues[parent] as number) <= due) break;
      items[i] = items[parent] as Workload;
      dues[i] = dues[parent] as number;
      i = parent;
    }
    items[i] = w;
    dues[i] = due;
  }

  pop(): Workload | undefined {
    const items = this.#items;
    const dues = this.#due;
    const top = items[0];
    if (top === undefined) return undefined;
    top.queued = false;
    const last = items.pop() as Workload;
    const lastDue = dues.pop() as number;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (dues[r] as number) < (dues[l] as number) ? r : l;
        if ((dues[c] as number) >= lastDue) break;
        items[i] = items[c] as Workload;
        dues[i] = dues[c] as number;
        i = c;
      }
      items[i] = last;
      dues[i] = lastDue;
    }
    return top;
  }
}
