/**
 * The state of a kind made of parts saved under their own keys (ledgers of
 * identities and entities, a list of failures): what it tracks, its newest
 * event time, and its save and restore, written once around each kind's
 * own `apply`.
 */
import { type Detail, detailOf } from './ecs-event.js';
import type { EventTimeLedger } from './event-time-ledger.js';
import type { KindResult, KindState } from './kind.js';
import type { RecentList, Timed } from './recent-failures.js';

/** One part of a kind's saved state. */
interface StatePart {
  snapshot(): unknown;
  /** Checks the part's saved data; returns what replaces it. Throws when malformed. */
  prepareRestore(data: unknown): () => void;
  /** Entities it tracks. */
  readonly size: number;
  /** Newest event time it tells of, ms; -Infinity when it tells none. */
  readonly newestMs: number;
}

/** A ledger as a part; `tellsNewest` false: its times do not count as the kind's newest. */
export function ledgerPart<V>(
  ledger: EventTimeLedger<V>,
  read: (value: unknown) => V,
  tellsNewest = true,
): StatePart {
  return {
    snapshot: () => ledger.snapshot(),
    prepareRestore: (data) => ledger.prepareRestore(data, read),
    get size() {
      return ledger.size;
    },
    get newestMs() {
      return tellsNewest ? ledger.newestMs : Number.NEGATIVE_INFINITY;
    },
  };
}

/** A list of failures as a part: saved with the kind, tracking no entity and telling no time. */
export function listPart<T extends Timed>(
  list: RecentList<T>,
  read: (value: unknown) => T,
): StatePart {
  return {
    snapshot: () => list.snapshot(),
    prepareRestore: (data) => list.prepareRestore(data, read),
    size: 0,
    newestMs: Number.NEGATIVE_INFINITY,
  };
}

interface KindStateOptions<Entry extends Timed> {
  /** Runs once every part is restored (a kind re-holding or re-showing what it restored). */
  readonly restored?: () => void;
  readonly recentFailures?: KindState<Entry>['recentFailures'];
}

/**
 * A kind's state from its parts, saved in their order under their keys.
 * `what` names the kind in the error of a malformed saved state; `apply`
 * is handed events whose `detail` is an object.
 */
export function kindState<Entry extends Timed = Timed>(
  what: string,
  parts: Readonly<Record<string, StatePart>>,
  apply: (event: Record<string, unknown>, detail: Detail) => KindResult,
  options: KindStateOptions<Entry> = {},
): KindState<Entry> {
  const entries = Object.entries(parts);
  const state: KindState<Entry> = {
    apply(event) {
      const detail = detailOf(event);
      if (detail === undefined) return { invalid: 'detail is not an object' };
      return apply(event, detail);
    },
    get tracked() {
      let n = 0;
      for (const [, part] of entries) n += part.size;
      return n;
    },
    get newestEventMs() {
      return Math.max(...entries.map(([, part]) => part.newestMs));
    },
    snapshot: () => Object.fromEntries(entries.map(([key, part]) => [key, part.snapshot()])),
    prepareRestore(data) {
      if (typeof data !== 'object' || data === null) {
        throw new Error(`${what} state is not an object`);
      }
      const saved = data as Record<string, unknown>;
      const replace = entries.map(([key, part]) => part.prepareRestore(saved[key]));
      return () => {
        for (const r of replace) r();
        options.restored?.();
      };
    },
  };
  if (options.recentFailures !== undefined) state.recentFailures = options.recentFailures;
  return state;
}
