/**
 * Entities of the smaller ECS event kinds (deployments, service actions,
 * container instances), kept by key with the newest event time they were
 * seen at, forgotten once that time is older than the retention behind the
 * newest event time seen (event time: a replay of old events behaves like
 * the live stream), and bounded by a cap that evicts the least recently
 * seen first. Pure: no clock; values are plain data, saved as they are.
 */
import type { ForgetCause, KindContext } from './kind.js';

interface LedgerOptions<V> {
  readonly maxEntries: number;
  readonly retentionMs: number;
  /** Told of each entry dropped. */
  readonly forgotten: (cause: ForgetCause) => void;
  /** Entries retention never forgets (only the cap can drop them); by default none. */
  readonly keeps?: (value: V) => boolean;
}

/** The cap, retention and forgetting of a kind's ledgers, as its context gives them. */
export function ledgerOptions(
  context: KindContext,
): Pick<LedgerOptions<unknown>, 'maxEntries' | 'retentionMs' | 'forgotten'> {
  return {
    maxEntries: context.maxTrackedTasks,
    retentionMs: context.stoppedRetentionMs,
    forgotten: context.forgotten,
  };
}

/** An entry as saved: key, newest event time seen (ms), value. */
type LedgerEntry<V> = [key: string, atMs: number, value: V];

/**
 * The value of a ledger that only marks keys as seen (content identities):
 * a reader for `prepareRestore` that accepts nothing else.
 */
export function seenMark(what: string): (value: unknown) => 0 {
  return (value) => {
    if (value !== 0) throw new Error(`${what} is malformed`);
    return 0;
  };
}

export class EventTimeLedger<V> {
  /** In order of the newest time each was seen at, roughly: re-inserted on each touch. */
  #entries = new Map<string, { atMs: number; value: V }>();
  #newestMs = Number.NEGATIVE_INFINITY;
  #sinceSweep = 0;
  readonly #options: LedgerOptions<V>;
  /** Told of a value dropped by the cap or by retention (a kind undoing what it shows for it). */
  onDrop: ((key: string, value: V) => void) | undefined;

  constructor(options: LedgerOptions<V>) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get newestMs(): number {
    return this.#newestMs;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /**
   * Marks a content identity seen at `atMs` (its time refreshed either way);
   * true when it had been seen before: the event is a redelivery.
   */
  seen(this: EventTimeLedger<0>, key: string, atMs: number): boolean {
    const before = this.#entries.has(key);
    this.set(key, 0, atMs);
    return before;
  }

  /**
   * Stores `value` under `key`, seen at `atMs` (NaN: at the newest time seen
   * so far). Evicts past the cap and sweeps what retention forgets.
   */
  set(key: string, value: V, atMs: number): void {
    if (atMs > this.#newestMs) this.#newestMs = atMs;
    const at = Number.isFinite(atMs) ? atMs : this.#newestMs;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#entries.delete(key);
    this.#entries.set(key, { atMs: Math.max(at, old?.atMs ?? Number.NEGATIVE_INFINITY), value });
    while (this.#entries.size > this.#options.maxEntries) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, { value: V }];
      this.#entries.delete(oldest);
      this.onDrop?.(oldest, entry.value);
      this.#options.forgotten('capacity');
    }
    // Sweeping walks every entry: do it once per many insertions.
    if (++this.#sinceSweep >= 1024) this.sweep();
  }

  /** Forgets what is older than the retention behind the newest event time. */
  sweep(): void {
    this.#sinceSweep = 0;
    if (!Number.isFinite(this.#newestMs)) return;
    const horizon = this.#newestMs - this.#options.retentionMs;
    for (const [key, entry] of this.#entries) {
      if (entry.atMs < horizon && this.#options.keeps?.(entry.value) !== true) {
        this.#entries.delete(key);
        this.onDrop?.(key, entry.value);
        this.#options.forgotten('retention');
      }
    }
  }

  /** Keys and values, least recently seen first. */
  *keyed(): Generator<[string, V]> {
    for (const [key, entry] of this.#entries) yield [key, entry.value];
  }

  values(): IterableIterator<V> {
    const entries = this.#entries.values();
    return (function* () {
      for (const entry of entries) yield entry.value;
    })();
  }

  snapshot(): { newestMs: number | null; entries: LedgerEntry<V>[] } {
    return {
      newestMs: Number.isFinite(this.#newestMs) ? this.#newestMs : null,
      entries: [...this.#entries].map(([key, e]) => [key, e.atMs, e.value]),
    };
  }

  /**
   * Checks saved entries (`readValue` throws on a malformed value) and
   * returns what replaces this ledger's content.
   */
  prepareRestore(data: unknown, readValue: (value: unknown) => V): () => void {
    if (typeof data !== 'object' || data === null) throw new Error('ledger is not an object');
    const { newestMs, entries } = data as { newestMs?: unknown; entries?: unknown };
    if (newestMs !== null && (typeof newestMs !== 'number' || !Number.isFinite(newestMs))) {
      throw new Error('ledger newestMs is malformed');
    }
    if (!Array.isArray(entries)) throw new Error('ledger entries are not an array');
    const restored = new Map<string, { atMs: number; value: V }>();
    for (const entry of entries) {
      if (
        !Array.isArray(entry) ||
        entry.length !== 3 ||
        typeof entry[0] !== 'string' ||
        typeof entry[1] !== 'number' ||
        !Number.isFinite(entry[1])
      ) {
        throw new Error('ledger entry is malformed');
      }
      restored.set(entry[0], { atMs: entry[1], value: readValue(entry[2]) });
    }
    return () => {
      this.#entries = restored;
      this.#newestMs = newestMs ?? Number.NEGATIVE_INFINITY;
      this.#sinceSweep = 0;
    };
  }
}
