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
 * go backwards, which Prometheus reads as a reset.
 */
import type { Logger } from 'pino';
import type { Counting } from '../counting.js';
import { FORGET_CAUSES } from '../kinds/kind.js';
import { RECORD_RESULTS, type SelfCounts } from '../metrics/self-metrics.js';
import type { StoreSnapshot } from '../metrics/series-snapshot.js';
import type { Json, Source } from '../sources/source.js';
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
  const folded: Record<string, number> = {};
  for (const name of Object.keys(counting.self.counts.folded)) {
    folded[name] = count(d.folded?.[name] ?? 0, `folded.${name}`);
  }
  return { records, evictions, folded };
}

/** Replaces the counting state with `data`; throws, changing nothing, when it is not valid. */
export function restoreState(counting: Counting, data: unknown): void {
  if (typeof data !== 'object' || data === null) throw new Error('state is not an object');
  const state = data as Partial<CountingState>;
  if (typeof state.kinds !== 'object' || state.kinds === null) {
    throw new Error('kind states are not an object');
  }
  const counts = readCounts(state.self, counting);
  const apply: (() => void)[] = [];
  for (const [name, kind] of counting.kinds) {
    if (!(name in state.kinds)) throw new Error(`no state for ${name}`);
    apply.push(kind.prepareRestore(state.kinds[name]));
  }
  apply.push(counting.store.prepareRestore(state.series));
  for (const step of apply) step();
  Object.assign(counting.self.counts.records, counts.records);
  Object.assign(counting.self.counts.evictions, counts.evictions);
  Object.assign(counting.self.counts.folded, counts.folded);
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

export interface DurableStateOptions {
  readonly store: StateStore;
  readonly counting: Counting;
  readonly source: Pick<Source, 'position' | 'checkPosition'>;
  /** Save this often when anything changed (and always at stop). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Wall clock, for savedAt (tests). */
  readonly now?: () => number;
  /** Told when the saved state matches what was counted: after a save, or when nothing changed. */
  readonly onCurrent?: (ms: number) => void;
  /** Told of each failed save; the next interval tries again. */
  readonly onSaveError?: (err: unknown) => void;
}

export class DurableState {
  readonly #o: DurableStateOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;
  /** What the last save held, to skip saves that would change nothing. */
  #savedRecords = -1;
  #savedPosition: string | undefined;

  constructor(options: DurableStateOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get description(): string {
    return this.#o.store.description;
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
    const loaded = await store.load();
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
      if (saved.state !== undefined) restoreState(counting, saved.state);
      position = saved.position;
      logger.info({ state: store.description, savedAt: saved.savedAt }, 'state restored');
    } catch (err) {
      await store.setAside((err as Error).message).then(
        () =>
          logger.error(
            { state: store.description, err },
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
    this.#o.onCurrent?.(this.#now());
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

  /** Stops the interval and saves once more. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#saving?.catch(() => undefined);
    await this.save();
  }

  /** Captures and saves now, when anything changed; never rejects (failures are reported). */
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
    if (records === this.#savedRecords && positionText === this.#savedPosition) {
      this.#o.onCurrent?.(now);
      return;
    }
    const state = captureState(counting);
    try {
      const bytes = encodeState({ savedAt: new Date(now).toISOString(), position, state });
      await store.save(bytes);
    } catch (err) {
      this.#o.onSaveError?.(err);
      logger.error({ state: store.description, err }, 'saving state failed');
      return;
    }
    publishState(counting, state);
    this.#savedRecords = records;
    this.#savedPosition = positionText;
    this.#o.onCurrent?.(now);
    logger.debug({ state: store.description }, 'state saved');
  }
}
