/**
 * The exactly-once rule in one place. Counting state and the source position
 * are captured together in one synchronous step (the source's position
 * includes a batch from the moment the pipeline counted it), encoded, and
 * written atomically by a state store. At start the saved state is checked
 * whole and restored before anything is served; after a crash at any
 * moment, the records after the saved position were not in the saved counts,
 * so each is counted once.
 *
 * What scrapes see: the values of the last save, not the live ones. A value
 * shown before it was saved could be lost in a crash, and the counter would
 * go backwards, which Prometheus reads as a reset (and `increase()` counts
 * the whole restored value again).
 *
 * When saves fail, counters stay at the last saved values: never a value
 * that a restart would take back. That pause is never silent: readiness
 * fails from the first failed save (or a save running longer than the
 * interval) with the reason, health fails after a few failures in a row, and
 * the state metrics (age of the saved state, failed saves, records counted
 * but not yet shown) say how far behind the shown values are.
 */
import type { Logger } from 'pino';
import type { Check } from '../base/check.js';
import type { Json, Positioned } from '../base/position.js';
import type { Counting } from '../counting.js';
import { withDeadline } from '../deadline.js';
import { FORGET_CAUSES } from '../kinds/kind.js';
import { RECORD_RESULTS, type SelfCounts } from '../metrics/self-metrics.js';
import type { StoreSnapshot } from '../metrics/series-snapshot.js';
import type { RestoreReport } from '../metrics/series-store.js';
import { checkRestoredValues } from './restore-checks.js';
import { decodeState, encodeState } from './state-codec.js';
import type { StateStore } from './state-store.js';

/** The counting state as one JSON-safe value. */
export interface CountingState {
  /** Each kind's state, by kind name. */
  readonly kinds: Record<string, unknown>;
  readonly series: StoreSnapshot;
  readonly self: SelfCounts;
}

export function captureState(counting: Counting): CountingState {
  const kinds: Record<string, unknown> = {};
  for (const [name, state] of counting.kinds) kinds[name] = state.snapshot();
  const counts = counting.self.counts;
  return {
    kinds,
    series: counting.store.snapshot(),
    self: {
      records: { ...counts.records },
      evictions: { ...counts.evictions },
      folded: { ...counts.folded },
      expired: { ...counts.expired },
      shed: { ...counts.shed },
    },
  };
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} is not a count`);
  }
  return value;
}

function readCounts(data: unknown, counting: Counting): SelfCounts {
  if (typeof data !== 'object' || data === null) throw new Error('self counts are not an object');
  const d = data as Record<string, Record<string, unknown> | undefined>;
  const records = {} as SelfCounts['records'];
  for (const r of RECORD_RESULTS) records[r] = count(d.records?.[r], `records.${r}`);
  const evictions = {} as SelfCounts['evictions'];
  for (const c of FORGET_CAUSES) evictions[c] = count(d.evictions?.[c], `evictions.${c}`);
  const byMetric = (what: 'folded' | 'expired' | 'shed') => {
    const out: Record<string, number> = {};
    for (const name of Object.keys(counting.self.counts.folded)) {
      out[name] = count(d[what]?.[name] ?? 0, `${what}.${name}`);
    }
    return out;
  };
  return {
    records,
    evictions,
    folded: byMetric('folded'),
    expired: byMetric('expired'),
    shed: byMetric('shed'),
  };
}

/** What a restore did to bring the saved series within today's bounds. */
export interface RestoreBounds extends RestoreReport {
  /** Series of workloads idle for longer than the idle expiry, removed at once. */
  readonly expired: number;
}

/**
 * Replaces the counting state with `data`; throws, changing nothing, when it
 * is not valid. The restored series obey the live bounds at once: past the
 * cap, series at 0 go, then the rest fold; idle workloads expire.
 */
export function restoreState(counting: Counting, data: unknown): RestoreBounds {
  if (typeof data !== 'object' || data === null) throw new Error('state is not an object');
  const state = data as Partial<CountingState>;
  if (typeof state.kinds !== 'object' || state.kinds === null) {
    throw new Error('kind states are not an object');
  }
  const counts = readCounts(state.self, counting);
  // The series first: the kinds then hold the workloads of what runs.
  const apply: (() => void)[] = [counting.store.prepareRestore(state.series)];
  for (const [name, kind] of counting.kinds) {
    // A kind added since the state was saved starts empty.
    if (name in state.kinds) apply.push(kind.prepareRestore(state.kinds[name]));
  }
  for (const step of apply) step();
  Object.assign(counting.self.counts.records, counts.records);
  Object.assign(counting.self.counts.evictions, counts.evictions);
  Object.assign(counting.self.counts.folded, counts.folded);
  Object.assign(counting.self.counts.expired, counts.expired);
  Object.assign(counting.self.counts.shed, counts.shed);
  const newest = Math.max(...[...counting.kinds.values()].map((k) => k.newestEventMs));
  const expired = counting.store.settle(newest);
  return { ...counting.store.restoreReport, expired };
}

/**
 * Makes a saved state what scrapes show. Called once a state is saved (and
 * after a restore), so a served counter never exceeds what a restart would
 * resume from.
 */
export function publishState(
  counting: Counting,
  state: Pick<CountingState, 'series' | 'self'>,
): void {
  counting.store.publish(state.series);
  counting.self.published = readCounts(state.self, counting);
}

/** Makes the live values (just restored, or empty) what scrapes show; the kinds' state is not needed for that. */
function publishLive(counting: Counting): void {
  publishState(counting, { series: counting.store.snapshot(), self: counting.self.counts });
}

/** Longest the start-up check of the store may take. */
export const PROBE_DEADLINE_MS = 10_000;
/** Longest loading the saved state may take. */
export const LOAD_DEADLINE_MS = 60_000;
/** Longest one save may take before it counts as failed. */
export const SAVE_DEADLINE_MS = 30_000;
/**
 * A state unchanged for this long is written again anyway: the S3 bucket's
 * lifecycle rule expires state objects a week old, and a quiet account must
 * not lose the one the pointer names.
 */
export const REWRITE_AFTER_MS = 24 * 3600 * 1000;
/** Failed saves in a row after which health fails. */
export const MAX_FAILED_SAVES = 5;

/** How saving goes, for readiness, health and the state metrics. */
export interface SaveStatus {
  /** When the saved state last matched what was counted (a save, or nothing to save); undefined before. */
  readonly currentMs: number | undefined;
  /** Failed saves in a row; 0 after a success. */
  readonly failuresInARow: number;
  /** Failed saves since start. */
  readonly failures: number;
  /** Why the latest save failed, while failures go on. */
  readonly lastError: string | undefined;
  /** When the save under way began, if one is. */
  readonly savingSinceMs: number | undefined;
  /** Records counted but not in the saved state yet (not shown on /metrics yet). */
  readonly unsavedRecords: number;
  /** Saves after which removing old saves failed (the store's count). */
  readonly cleanupFailures: number;
}

/**
 * Checks that saves to `store` can succeed (its probe), within a time limit:
 * done before anything is served, so a state location that cannot be
 * written stops the start instead of giving counters that never move.
 */
export function checkStore(
  store: Pick<StateStore, 'probe' | 'description'>,
  deadlineMs = PROBE_DEADLINE_MS,
): Promise<void> {
  return withDeadline(
    store.probe(),
    deadlineMs,
    `checking that the state can be saved (${store.description})`,
  );
}

export interface DurableStateOptions {
  readonly store: StateStore;
  readonly counting: Counting;
  readonly source: Positioned;
  /** Save this often when anything changed (and always at stop). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Wall clock, for savedAt (tests). */
  readonly now?: () => number;
  /** Time limit of a save; SAVE_DEADLINE_MS by default. */
  readonly saveDeadlineMs?: number;
}

export class DurableState {
  readonly #o: DurableStateOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;
  /** What the last save held, to skip saves that would change nothing. */
  #savedRecords = -1;
  #savedPosition: string | undefined;
  #currentMs: number | undefined;
  /** When the saved bytes were last written (or, after a restore, saved). */
  #writtenMs: number | undefined;
  #failuresInARow = 0;
  #failures = 0;
  #lastError: string | undefined;
  #savingSinceMs: number | undefined;

  constructor(options: DurableStateOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get description(): string {
    return this.#o.store.description;
  }

  get status(): SaveStatus {
    const saved = Math.max(this.#savedRecords, 0);
    return {
      currentMs: this.#currentMs,
      failuresInARow: this.#failuresInARow,
      failures: this.#failures,
      lastError: this.#lastError,
      savingSinceMs: this.#savingSinceMs,
      unsavedRecords: Math.max(0, this.#records() - saved),
      cleanupFailures: this.#o.store.cleanupFailures ?? 0,
    };
  }

  /** Fails from the first failed save, or while a save runs longer than the interval. */
  readiness(): Check {
    const now = this.#now();
    const where = this.description;
    if (this.#failuresInARow > 0) {
      return {
        ok: false,
        reason: `saving the state to ${where} failed ${this.#failuresInARow} time(s) in a row: ${this.#lastError}; /metrics shows the values of the last save`,
      };
    }
    const since = this.#savingSinceMs;
    if (since !== undefined && now - since > this.#o.intervalMs) {
      return {
        ok: false,
        reason: `saving the state to ${where} has not finished after ${Math.round((now - since) / 1000)} s; /metrics shows the values of the last save`,
      };
    }
    const current = this.#currentMs;
    return {
      ok: true,
      reason:
        current === undefined
          ? `state kept in ${where}, not saved yet`
          : `state in ${where} current ${Math.round((now - current) / 1000)} s ago`,
    };
  }

  /** Fails after MAX_FAILED_SAVES failed saves in a row. */
  health(): Check {
    if (this.#failuresInARow >= MAX_FAILED_SAVES) {
      return {
        ok: false,
        reason: `saving the state to ${this.description} failed ${this.#failuresInARow} times in a row: ${this.#lastError}`,
      };
    }
    return { ok: true, reason: `saving the state to ${this.description} works` };
  }

  /**
   * Loads the saved state, checks all of it, restores the counts and makes
   * them what scrapes show. Returns the position to start the source after,
   * or undefined to start fresh. State that does not check out restores
   * nothing and is set aside; a position of another stream is ignored.
   */
  async restore(): Promise<Json | undefined> {
    const { store, counting, source, logger } = this.#o;
    const start = (): undefined => {
      publishLive(counting);
      return undefined;
    };
    const loaded = await withDeadline(
      store.load(),
      LOAD_DEADLINE_MS,
      `loading the saved state from the ${store.description}`,
    );
    if (loaded === undefined) return start();
    let position: Json;
    try {
      const saved = decodeState(loaded.bytes);
      const problem = source.checkPosition(saved.position);
      if (problem?.kind === 'foreign') {
        logger.warn(
          { state: store.description, reason: problem.reason },
          'saved state is for another source; ignoring it',
        );
        return start();
      }
      if (problem !== undefined) throw new Error(problem.reason);
      const savedMs = Date.parse(saved.savedAt);
      this.#writtenMs = Number.isFinite(savedMs) ? Math.min(savedMs, this.#now()) : undefined;
      if (saved.state !== undefined) {
        const { droppedTimes } = checkRestoredValues(saved.state, this.#now());
        if (droppedTimes > 0) {
          logger.warn(
            { state: store.description, droppedTimes },
            'saved state held entries with impossible times (before ECS or far in the future); dropped them',
          );
        }
        const bounds = restoreState(counting, saved.state);
        if (bounds.shed + bounds.folded + bounds.rebounded + bounds.expired > 0) {
          logger.warn(
            { state: store.description, ...bounds },
            'restored series brought within the series cap and idle expiry',
          );
        }
      }
      position = saved.position;
      logger.info({ state: store.description, savedAt: saved.savedAt }, 'state restored');
    } catch (err) {
      await store.setAside((err as Error).message).then(
        () =>
          logger.error(
            { state: store.description, reason: (err as Error).message, err },
            'saved state unusable; set aside, starting without it',
          ),
        (asideErr: unknown) =>
          logger.error(
            { state: store.description, err, asideErr },
            'saved state unusable and could not be set aside; starting without it',
          ),
      );
      return start();
    }
    publishLive(counting);
    this.#savedRecords = this.#records();
    this.#savedPosition = JSON.stringify(position);
    this.#currentMs = this.#now();
    return position;
  }

  /** Saves every interval from now on. */
  start(): void {
    const tick = () => {
      this.#timer = setTimeout(() => {
        void this.save().finally(() => {
          if (this.#timer !== undefined) tick();
        });
      }, this.#o.intervalMs);
    };
    tick();
  }

  /** Stops the interval and saves once more; rejects when that last save fails. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#saving;
    const before = this.#failures;
    await this.save();
    if (this.#failures > before) throw new Error(`the last save failed: ${this.#lastError}`);
  }

  /**
   * Stops the interval without saving again: for a holder that lost its
   * lease, whose saves another replica's state has superseded.
   */
  abandon(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Captures and saves now, when anything changed; never rejects (failures are reported in status). */
  save(): Promise<void> {
    if (this.#saving !== undefined) return this.#saving;
    this.#saving = this.#save().finally(() => {
      this.#saving = undefined;
    });
    return this.#saving;
  }

  #records(): number {
    const r = this.#o.counting.self.counts.records;
    return RECORD_RESULTS.reduce((n, k) => n + r[k], 0);
  }

  async #save(): Promise<void> {
    const { counting, source, store, logger } = this.#o;
    const now = this.#now();
    // One synchronous step: the position and the counts it matches. The
    // capture (tens of ms at 100,000 tracked tasks) is skipped when nothing changed.
    const position = source.position();
    const records = this.#records();
    const positionText = JSON.stringify(position);
    const fresh = this.#writtenMs !== undefined && now - this.#writtenMs < REWRITE_AFTER_MS;
    if (records === this.#savedRecords && positionText === this.#savedPosition && fresh) {
      this.#currentMs = now;
      return;
    }
    const state = captureState(counting);
    this.#savingSinceMs = now;
    try {
      const bytes = encodeState({ savedAt: new Date(now).toISOString(), position, state });
      await withDeadline(
        store.save(bytes),
        this.#o.saveDeadlineMs ?? SAVE_DEADLINE_MS,
        `saving the state to the ${store.description}`,
      );
    } catch (err) {
      this.#failed(err);
      return;
    } finally {
      this.#savingSinceMs = undefined;
    }
    publishState(counting, state);
    this.#writtenMs = now;
    this.#savedRecords = records;
    this.#savedPosition = positionText;
    this.#currentMs = now;
    if (this.#failuresInARow > 0) {
      logger.info(
        { state: store.description, failedSaves: this.#failuresInARow },
        'saving state works again',
      );
    }
    this.#failuresInARow = 0;
    this.#lastError = undefined;
    logger.debug({ state: store.description }, 'state saved');
  }

  #failed(err: unknown): void {
    this.#failures += 1;
    this.#failuresInARow += 1;
    const message = err instanceof Error ? err.message : String(err);
    const changed = message !== this.#lastError;
    this.#lastError = message;
    // The first failure, a new reason, and every tenth in a row reach the log.
    if (changed || this.#failuresInARow % 10 === 1) {
      this.#o.logger.error(
        { state: this.#o.store.description, reason: message, failuresInARow: this.#failuresInARow },
        `saving state failed: ${message}`,
      );
    }
  }
}
