/**
 * The most recent failures behind the counts, as the kinds that list them
 * keep them: a bounded list per kind, ordered by event time (newest first),
 * one entry per failed entity, saved with the kind's state. What an entry
 * holds, how it is read back and how it is shown is the kind's
 * (`failures` of its EventKind, kinds/<kind>/failures.ts); this module
 * keeps the lists and gathers them for the page without knowing any kind.
 * Pure: entries are plain data; the kinds add an entry only where they
 * count the fact, so a redelivered event adds nothing, and an entry already
 * listed is never listed twice.
 */
import type { FailureListView, FailurePlace, FailureRow } from '../failure-view.js';
import type { EventKind, KindState } from './kind.js';

/** Entries kept per list by default, and the most that may be asked for. */
export const DEFAULT_RECENT_FAILURES = 100;
export const MAX_RECENT_FAILURES = 1000;

/** Longest reason text kept (ECS cuts stoppedReason at 255 characters). */
const MAX_TEXT = 1024;
/** A text from an event, bounded in length without cutting a surrogate pair. */
export function boundText(value: string, max = MAX_TEXT): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export interface Timed {
  readonly timeMs: number | null;
}

/** Newest first; an unknown time sorts last; equal times by key, so the order never depends on arrival. */
function newerFirst(a: Timed, ak: string, b: Timed, bk: string): number {
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
export class RecentList<T extends Timed> {
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

  /**
   * Lists one entry per key whatever the order entries come in: the later of
   * `entry` and the one listed for its key (an unknown time earliest, on a
   * tie the greater `tieKey`), merged with the other by `merge` when given.
   */
  putLatest(entry: T, tieKey: (entry: T) => string, merge?: (kept: T, other: T) => T): void {
    const listed = this.find(this.#keyOf(entry));
    if (listed === undefined) {
      this.put(entry);
      return;
    }
    const at = (e: T) => e.timeMs ?? Number.NEGATIVE_INFINITY;
    const later =
      at(entry) > at(listed) || (at(entry) === at(listed) && tieKey(entry) > tieKey(listed));
    if (merge !== undefined) this.put(later ? merge(entry, listed) : merge(listed, entry));
    else if (later) this.put(entry);
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

const PLACE_TEXTS = ['account', 'region', 'cluster', 'service'] as const;

/** The time and place of an entry or row. */
export function placeOf(entry: FailurePlace): FailurePlace {
  const { timeMs, account, region, cluster, service } = entry;
  return { timeMs, account, region, cluster, service };
}

/**
 * A saved entry's time and place, and the other string fields named, each
 * bounded; throws naming `what` when a field is missing or of another type.
 */
export function readEntry<N extends string>(
  value: unknown,
  names: readonly N[],
  what: string,
): { readonly place: FailurePlace; readonly texts: Record<N, string> } {
  const texts = readTexts(value, [...PLACE_TEXTS, ...names], what);
  const timeMs = (value as { timeMs: number | null }).timeMs;
  return { place: placeOf({ ...texts, timeMs }), texts };
}

/**
 * A saved entry's non-empty list of names out of `known`, in the order of
 * `known` (what `merge` of RecentList.putLatest keeps it in).
 */
export function readNames(values: unknown, known: readonly string[], what: string): string[] {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => known.includes(v))) {
    throw new Error(`${what} is malformed`);
  }
  return known.filter((name) => values.includes(name));
}

/** An event time for an entry: null when unknown. */
export const entryTime = (ms: number): number | null => (Number.isFinite(ms) ? ms : null);

/** The named string fields of a saved object, each bounded, once `timeMs` is checked. */
export function readTexts<N extends string>(
  value: unknown,
  names: readonly N[],
  what: string,
): Record<N, string> {
  if (typeof value !== 'object' || value === null) throw new Error(`${what} is not an object`);
  const v = value as Record<string, unknown>;
  const out = {} as Record<N, string>;
  for (const name of names) {
    const s = v[name];
    if (typeof s !== 'string') throw new Error(`${what}.${name} is not a string`);
    out[name] = boundText(s);
  }
  if (!isTime(v.timeMs)) throw new Error(`${what}.timeMs is not a time`);
  return out;
}

/** How a kind lists its failures: its list's name and columns, and its entries' identity, check and row. */
export interface FailureList<Entry extends Timed = Timed, Name extends string = string> {
  /** The list's key in /api/recent-failures and in Counting.recentFailures(). */
  readonly name: Name;
  readonly rowClass: string;
  readonly columns: FailureListView['columns'];
  readonly beside: boolean;
  /** One entry per key: the failed task, deployment, … */
  keyOf(entry: Entry): string;
  /** A saved entry, checked; throws when it is malformed. */
  read(value: unknown): Entry;
  row(entry: Entry): FailureRow;
}

type ListOf<K> =
  K extends EventKind<infer Entry, infer Name>
    ? string extends Name
      ? Record<never, never>
      : { readonly [L in Name]: readonly Entry[] }
    : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** The recent failures of each listing kind of `Kinds`, by list name (`tasks`, `deployments`, …). */
export type RecentFailureLists<Kinds extends readonly EventKind[]> = Intersection<
  ListOf<Kinds[number]>
>;

/** Each listing kind's entries by list name, in the order of `kinds`. */
export function recentFailureLists(
  kinds: readonly EventKind[],
  states: ReadonlyMap<string, KindState>,
): Record<string, readonly Timed[]> {
  const lists: Record<string, readonly Timed[]> = {};
  for (const kind of kinds) {
    if (kind.failures === undefined) continue;
    lists[kind.failures.name] = states.get(kind.name)?.recentFailures?.() ?? [];
  }
  return lists;
}

/** What the failures page shows: each listing kind's list, its entries as rows. */
export function failurePage(
  kinds: readonly EventKind[],
  states: ReadonlyMap<string, KindState> | undefined,
): FailureListView[] {
  return kinds.flatMap((kind) => {
    const list = kind.failures;
    if (list === undefined) return [];
    const entries = states?.get(kind.name)?.recentFailures?.() ?? [];
    const { name, rowClass, columns, beside } = list;
    return [{ name, rowClass, columns, beside, rows: entries.map((e) => list.row(e)) }];
  });
}
