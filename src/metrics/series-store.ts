/**
 * The values of the metrics that event kinds record: plain counts and
 * histograms per label set, rendered at scrape time. Recording a fact is one
 * Map lookup by a key built from interned label text and an increment: no
 * label hashing or validation per event. Durations are whole milliseconds,
 * so histogram sums are exact and the same in any order of observation.
 *
 * Cardinality is bounded here, by the label vocabulary the store is handed:
 * - a bounded label (`last_status`, `stop_code`, `launch_type`, …) keeps its
 *   known values, then the first few others that come, then `other`;
 * - past `maxSeriesPerMetric` series of one metric, a new label set is
 *   recorded with its unbounded labels (`ecs_cluster`, `ecs_service`,
 *   `family`, …) replaced by `_other_`, bounded ones kept: every total, and
 *   every sum by a bounded label, stays exact;
 * - series created at 0 and never incremented give way first: at the cap a
 *   new label set with a real fact takes the place of one of them rather
 *   than fold;
 * - a series lives as long as its workload (series-lifecycle.ts): one idle
 *   for `idleExpiryMs` of event time and not held by anything running is
 *   removed, and stops counting against the cap.
 * A restored snapshot obeys the same bounds at once (see prepareRestore).
 *
 * This file records and expires; what a series and a family are is in
 * series.ts, the label bounds and the bounding of restored series in
 * series-bounds.ts, reading a saved state back in series-restore.ts, and what
 * scrapes show (live or published) in series-publish.ts.
 */

import { FOLDED, type MetricSpec, OTHER } from './metric-spec.js';
import {
  bucketIndex,
  type Exemplar,
  extraKeyOf,
  Family,
  keyFromValues,
  keyOf,
  type Labels,
  type LabelValues,
  newer,
  newSeries,
  type Series,
} from './series.js';
import { freshBounds, type LabelBound } from './series-bounds.js';
import {
  DEFAULT_SERIES_IDLE_EXPIRY_MS,
  ExpiryQueue,
  Workload,
  type WorkloadScope,
  workloadKey,
  workloadScope,
} from './series-lifecycle.js';
import { PublishedSeries } from './series-publish.js';
import { boundSavedSeries, type RestoreReport, readSavedSeries } from './series-restore.js';
import type { StoreSnapshot } from './series-snapshot.js';

// What kinds, renderers and durable state take from the store, defined beside it.
export {
  bucketIndex,
  type Exemplar,
  Family,
  type Labels,
  type LabelValues,
  labelValues,
  Series,
} from './series.js';
export type { RestoreReport } from './series-restore.js';

interface SeriesStoreOptions {
  /** What each label of the families is: its bound, known values and whether it leads. */
  readonly labels: Labels;
  /** Most series per metric; past it, new label sets fold their unbounded labels. */
  readonly maxSeriesPerMetric: number;
  /** Told of each fact recorded under folded labels, by exposed metric name. */
  readonly folded: (metric: string) => void;
  /** Event time a workload may stay idle before its series go; 14 days when absent. */
  readonly idleExpiryMs?: number;
  /** Told of series removed with an idle workload, by metric. */
  readonly expired?: (metric: string, series: number) => void;
  /** Told of each series created at 0 and never incremented that gave way at the cap, by metric. */
  readonly shed?: (metric: string) => void;
}

export class SeriesStore {
  readonly #families = new Map<string, Family>();
  readonly #options: SeriesStoreOptions;
  readonly #idleMs: number;
  #bounds = new Map<string, LabelBound>();
  /** What scrapes show: the live series, or those of the last save. */
  readonly #view = new PublishedSeries(this.#families);
  /** Live workloads by key. */
  #workloads = new Map<string, Workload>();
  readonly #queue = new ExpiryQueue();
  /** The event-time clock, ms: the second-newest event time the kinds have told of. */
  #nowMs = Number.NEGATIVE_INFINITY;
  /** The newest and second-newest event times told. */
  #newest = Number.NEGATIVE_INFINITY;
  #second = Number.NEGATIVE_INFINITY;
  /** The time of the event being recorded; NaN when it has none. */
  #eventMs = Number.NaN;
  /** What the last restore did to bring the saved series within the bounds. */
  restoreReport: RestoreReport = { shed: 0, folded: 0, rebounded: 0 };

  constructor(specs: readonly MetricSpec[], options: SeriesStoreOptions) {
    if (!(options.maxSeriesPerMetric >= 1)) throw new RangeError('maxSeriesPerMetric must be >= 1');
    const idleMs = options.idleExpiryMs ?? DEFAULT_SERIES_IDLE_EXPIRY_MS;
    if (!(idleMs >= 0) || !Number.isFinite(idleMs)) {
      throw new RangeError('idleExpiryMs must be a finite duration');
    }
    this.#options = options;
    this.#idleMs = idleMs;
    for (const spec of specs) this.#families.set(spec.name, new Family(spec, options.labels));
    this.#bounds = freshBounds(options.labels);
  }

  /** The family of `name`, to record into; throws for a metric the store does not keep. */
  family(name: string): Family {
    const family = this.#families.get(name);
    if (family === undefined) throw new Error(`metric ${name} is not kept in the series store`);
    return family;
  }

  get families(): readonly Family[] {
    return [...this.#families.values()];
  }

  /** The event-time clock, ms since the epoch; -Infinity before any event time. */
  get clockMs(): number {
    return this.#nowMs;
  }

  /** Workloads kept now (tests and the churn bench). */
  get workloadCount(): number {
    return this.#workloads.size;
  }

  /**
   * Tells the store the time of the event about to be recorded (NaN when it
   * has none). The clock is the second-newest event time told: one event
   * stamped far ahead does not move it, and one stamped far behind the rest
   * is overtaken at the next. The event's facts touch their workloads at its
   * own time when that is ahead of the clock.
   */
  advance(ms: number): void {
    this.#eventMs = ms;
    if (!(ms > this.#second)) return;
    if (ms > this.#newest) {
      this.#second = this.#newest;
      this.#newest = ms;
    } else {
      this.#second = ms;
    }
    if (this.#second > this.#nowMs) this.#nowMs = this.#second;
  }

  /**
   * Removes the workloads idle for longer than the idle expiry by the clock:
   * called once an event's facts are recorded (so an event never expires its
   * own workload). Costs a comparison unless one is due.
   */
  expireDue(): void {
    if (this.#queue.peekDue() < this.#nowMs) {
      for (const [name, n] of this.#expireIdle()) this.#options.expired?.(name, n);
    }
  }

  /**
   * The workload a fact of `family` with these leading labels belongs to,
   * for a kind to hold while something of it runs; undefined when the
   * family's series never expire.
   */
  workloadOf(family: Family, base: LabelValues): Workload | undefined {
    const scope = family.scope;
    if (scope === undefined) return undefined;
    const cached = family.workloads.get(base);
    if (cached !== undefined && !cached.gone) return cached;
    const values = scope.indexes.map((i) => {
      if (i >= base.values.length)
        throw new Error(`${family.spec.name}: workload label not leading`);
      return base.values[i] as string;
    });
    const w = this.#workload(scope, values);
    family.workloads.set(base, w);
    return w;
  }

  /** The workload of a scope by its values (a kind re-holding what it restored). */
  workloadByValues(names: readonly string[], values: readonly string[]): Workload {
    const scope = workloadScope(names);
    if (scope === undefined || scope.names.length !== values.length) {
      throw new Error(`not a workload: ${names.join(',')}`);
    }
    return this.#workload(scope, values);
  }

  /** `w` was active now (a processed event of it that may record no fact). */
  touch(w: Workload): void {
    // Not Math.max: an event without a time (NaN) counts at the clock.
    // biome-ignore lint/complexity/useMathMinMax: NaN must lose, as it does here
    const now = this.#eventMs > this.#nowMs ? this.#eventMs : this.#nowMs;
    if (w.lastMs < now) w.lastMs = now;
    const p = w.parent;
    if (p !== undefined && p.lastMs < now) p.lastMs = now;
  }

  /** Something of `w` runs: it does not expire until released. */
  hold(w: Workload): void {
    w.holds++;
    if (w.parent !== undefined) w.parent.holds++;
  }

  /** What `hold` took; an idle workload expires when the clock next moves. */
  release(w: Workload): void {
    for (const x of w.parent === undefined ? [w] : [w, w.parent]) {
      if (x.holds > 0) x.holds--;
      if (x.holds === 0 && !x.queued && !x.gone) this.#queue.push(x, x.due(this.#idleMs));
    }
  }

  /** Adds 1 to a counter series; `exemplar`, when given, is the task behind it. */
  inc(family: Family, base: LabelValues, extra: readonly string[], exemplar?: Exemplar): void {
    const series = this.#series(family, base, extra);
    series.value++;
    if (exemplar !== undefined && newer(series.exemplars[0], exemplar)) {
      series.exemplars[0] = exemplar;
    }
  }

  /**
   * Adds `delta` (negative to take away) to a gauge series: a "current
   * state" view a kind keeps by moving an entity from one label set to
   * another.
   */
  add(family: Family, base: LabelValues, extra: readonly string[], delta: number): void {
    // A decrement of a series that expired with its workload (the entities
    // it counted left with it) would bring it back below 0: dropped.
    if (delta < 0 && family.scope !== undefined && !this.#exists(family, base, extra)) return;
    this.#series(family, base, extra).value += delta;
  }

  /**
   * Sets a gauge series to `value` (0 hides it): a point in time a kind
   * computes from its own state, such as the oldest pending task's creation.
   * Under folded labels the series shows the value set last.
   */
  set(family: Family, base: LabelValues, extra: readonly string[], value: number): void {
    // Clearing a series that expired with its workload would only bring it back at 0.
    if (value === 0 && family.scope !== undefined && !this.#exists(family, base, extra)) return;
    this.#series(family, base, extra).value = value;
  }

  /** Raises a gauge series to `value` unless it is already higher: a newest time seen. */
  raise(family: Family, base: LabelValues, extra: readonly string[], value: number): void {
    const series = this.#series(family, base, extra);
    if (value > series.value) series.value = value;
  }

  /** Whether the series a fact of these labels would be recorded in exists (bounds unchanged). */
  #exists(family: Family, base: LabelValues, extra: readonly string[]): boolean {
    const cached = family.recorded.get(base)?.get(extraKeyOf(extra));
    if (cached !== undefined) return !cached.dead;
    if (family.series.has(keyOf(base, extra))) return true;
    const names = family.spec.labelNames;
    const values = [...base.values, ...extra].map((v, i) => {
      const bound = this.#bounds.get(names[i] as string);
      return bound === undefined || bound.known.has(v) || bound.extra.has(v) ? v : OTHER;
    });
    if (family.series.has(keyFromValues(values, family.leading))) return true;
    for (const i of family.unbounded) values[i] = FOLDED;
    return family.series.has(keyFromValues(values, family.leading));
  }

  /** Observes whole milliseconds in a histogram series; `exemplar`, when given, is the task behind it. */
  observe(
    family: Family,
    base: LabelValues,
    extra: readonly string[],
    ms: number,
    exemplar?: Exemplar,
  ): void {
    const series = this.#series(family, base, extra);
    const i = bucketIndex(family.boundsMs, ms);
    series.counts[i] = (series.counts[i] as number) + 1;
    if (exemplar !== undefined && newer(series.exemplars[i], exemplar)) {
      series.exemplars[i] = exemplar;
    }
    series.value++;
    series.sumMs += ms;
  }

  /**
   * Takes back one observation of `ms` made with `observe` on the same
   * labels: a kind whose rule picks the earliest of several events corrects
   * an observation when an earlier one arrives late (Prometheus reads the
   * decrease as a reset, which is rarer than a wrong figure kept for good).
   */
  unobserve(family: Family, base: LabelValues, extra: readonly string[], ms: number): void {
    const series = this.#series(family, base, extra);
    const i = bucketIndex(family.boundsMs, ms);
    series.counts[i] = (series.counts[i] as number) - 1;
    series.value--;
    series.sumMs -= ms;
  }

  /**
   * Creates a counter or histogram series at 0 unless it exists, so that
   * Prometheus sees its first fact as an increase (a series born at 1 hides
   * it from rate() and increase()). Within the cap only: a label set that
   * would fold is not created, and nothing is counted as folded. Such a
   * series is the first to give way at the cap while it is still 0.
   */
  ensure(family: Family, base: LabelValues, extra: readonly string[]): void {
    const existing = family.series.get(keyOf(base, extra));
    if (existing !== undefined) {
      this.#touch(existing);
      return;
    }
    if (family.own >= this.#options.maxSeriesPerMetric) return;
    if (base.values.length !== family.leading) {
      throw new Error(`${family.spec.name} takes ${family.leading} leading label values`);
    }
    const values = this.#bound(family, [...base.values, ...extra]);
    const key = keyFromValues(values, family.leading);
    if (family.series.has(key)) return;
    family.own++;
    const series = newSeries(family, values, family.leading, false);
    series.zero = true;
    family.zeros.push(series);
    this.#add(family, key, series);
  }

  #series(family: Family, base: LabelValues, extra: readonly string[]): Series {
    let byExtra = family.recorded.get(base);
    const extraKey = extraKeyOf(extra);
    const cached = byExtra?.get(extraKey);
    if (cached !== undefined && !cached.dead) {
      if (cached.folded) this.#options.folded(family.spec.name);
      this.#touch(cached);
      return cached;
    }
    let series = family.series.get(keyOf(base, extra));
    if (series !== undefined) {
      if (series.folded) this.#options.folded(family.spec.name);
      this.#touch(series);
    } else {
      if (base.values.length !== family.leading) {
        throw new Error(`${family.spec.name} takes ${family.leading} leading label values`);
      }
      series = this.#slowSeries(family, [...base.values, ...extra], family.leading);
    }
    if (byExtra === undefined) {
      byExtra = new Map();
      family.recorded.set(base, byExtra);
    }
    byExtra.set(extraKey, series);
    return series;
  }

  /** A label set not seen as it is: bound its values, then find, create or fold its series. */
  #slowSeries(family: Family, raw: string[], baseLength: number): Series {
    const values = this.#bound(family, raw);
    let key = keyFromValues(values, baseLength);
    const existing = family.series.get(key);
    if (existing !== undefined) {
      if (existing.folded) this.#options.folded(family.spec.name);
      this.#touch(existing);
      return existing;
    }
    let folded = false;
    if (family.own >= this.#options.maxSeriesPerMetric && !this.#shedZero(family)) {
      folded = true;
      for (const i of family.unbounded) values[i] = FOLDED;
      key = keyFromValues(values, baseLength);
      this.#options.folded(family.spec.name);
      const target = family.series.get(key);
      if (target !== undefined) {
        this.#touch(target);
        return target;
      }
    } else {
      family.own++;
    }
    const series = newSeries(family, values, baseLength, folded);
    this.#add(family, key, series);
    return series;
  }

  /** Puts a new series in its family and attaches it to its workload, touched now. */
  #add(family: Family, key: string, series: Series): void {
    family.series.set(key, series);
    family.changes++;
    series.key = key;
    series.home = family;
    const scope = family.scope;
    if (scope === undefined) return;
    const w = this.#workload(
      scope,
      scope.indexes.map((i) => series.values[i] as string),
    );
    series.owner = w;
    w.members.push(series);
    this.#touch(series);
  }

  /** The fact's time is the clock's: its workload (and the parent) were active now. */
  #touch(series: Series): void {
    const w = series.owner;
    if (w !== undefined) this.touch(w);
  }

  /** The live workload of a scope's values, made (and queued) when there is none. */
  #workload(scope: WorkloadScope, values: readonly string[]): Workload {
    const key = workloadKey(scope.names, values);
    const found = this.#workloads.get(key);
    if (found !== undefined) return found;
    let parent: Workload | undefined;
    if (scope.familyAt !== -1 && scope.ownerAt !== -1 && values[scope.ownerAt] !== '') {
      const names = scope.names.filter((_, i) => i !== scope.familyAt);
      const parentValues = values.filter((_, i) => i !== scope.familyAt);
      parent = this.#workload(workloadScope(names) as WorkloadScope, parentValues);
    }
    const w = new Workload(key, scope.names, Object.freeze([...values]), parent, this.#nowMs);
    this.#workloads.set(key, w);
    this.#queue.push(w, w.due(this.#idleMs));
    return w;
  }

  /** Removes every workload idle for longer than the idle expiry and not held; series removed by metric. */
  #expireIdle(): Map<string, number> {
    const now = this.#nowMs;
    const idle = this.#idleMs;
    const expired = new Map<string, number>();
    while (this.#queue.peekDue() < now) {
      const w = this.#queue.pop() as Workload;
      if (w.gone) continue;
      // A workload made before the clock had a time is as old as its first time.
      if (!Number.isFinite(w.lastMs)) w.lastMs = now;
      if (w.due(idle) >= now) {
        this.#queue.push(w, w.due(idle));
        continue;
      }
      if (w.holds > 0) continue; // queued again when released
      w.gone = true;
      if (this.#workloads.get(w.key) === w) this.#workloads.delete(w.key);
      for (const member of w.members) {
        const s = member as Series;
        if (s.dead) continue;
        this.#drop(s);
        const name = (s.home as Family).spec.name;
        expired.set(name, (expired.get(name) ?? 0) + 1);
      }
      w.members = [];
    }
    return expired;
  }

  /** Takes a live series out of its family. */
  #drop(s: Series): void {
    const family = s.home as Family;
    s.dead = true;
    family.series.delete(s.key);
    family.changes++;
    if (!s.folded) family.own--;
    const w = s.owner;
    if (w !== undefined && w.members.length > 64) {
      let dead = 0;
      for (const m of w.members) if (m.dead) dead++;
      if (dead * 2 > w.members.length) w.members = w.members.filter((m) => !m.dead);
    }
  }

  /** Removes the oldest series of `family` created at 0 and still 0; false when there is none. */
  #shedZero(family: Family): boolean {
    const zeros = family.zeros;
    while (family.zeroHead < zeros.length) {
      const s = zeros[family.zeroHead++] as Series;
      if (s.dead || s.value !== 0) continue;
      this.#drop(s);
      this.#options.shed?.(family.spec.name);
      if (family.zeroHead > 1024 && family.zeroHead * 2 > zeros.length) {
        family.zeros = zeros.slice(family.zeroHead);
        family.zeroHead = 0;
      }
      return true;
    }
    family.zeros = [];
    family.zeroHead = 0;
    return false;
  }

  /** The values of bounded labels as recorded: known, first come, else `other`. */
  #bound(family: Family, raw: readonly string[]): string[] {
    const names = family.spec.labelNames;
    return raw.map((value, i) => {
      const bound = this.#bounds.get(names[i] as string);
      return bound === undefined ? value : bound.bound(value);
    });
  }

  /**
   * Every value, the first-come values of bounded labels, and when each
   * workload was last active, as plain data (JSON-safe).
   */
  snapshot(): StoreSnapshot {
    const bounds: Record<string, string[]> = {};
    for (const [label, bound] of this.#bounds) bounds[label] = [...bound.extra];
    const lastSeen: Record<string, number> = {};
    for (const [key, w] of this.#workloads) {
      if (Number.isFinite(w.lastMs)) lastSeen[key] = w.lastMs;
    }
    return this.#view.capture({
      bounds,
      lastSeen,
      clockMs: Number.isFinite(this.#nowMs) ? this.#nowMs : null,
    });
  }

  /**
   * Checks a snapshot and returns a function that replaces every value with
   * it. Throws, changing nothing, when the snapshot is malformed. What it
   * holds is brought within the bounds before it is kept: bounded labels to
   * the values the state allows, `folded` to what the labels say, and past
   * the cap the series at 0 dropped first (the least recently active
   * workloads' first), then the least recently active series folded. Idle
   * workloads expire at `settle`, once the kinds have re-held theirs.
   */
  prepareRestore(data: unknown): () => void {
    const built = readSavedSeries(this.#families, data);
    const { bounds, families, report } = boundSavedSeries(
      built,
      (name) => this.family(name),
      this.#options.labels,
      this.#options.maxSeriesPerMetric,
    );
    const lastSeen = built.lastSeen;
    return () => {
      // What the kinds still hold of the replaced workloads is released into nothing.
      for (const w of this.#workloads.values()) w.gone = true;
      this.#workloads = new Map();
      this.#queue.clear();
      this.#nowMs = built.clockMs ?? Number.NEGATIVE_INFINITY;
      this.#newest = this.#nowMs;
      this.#second = this.#nowMs;
      this.#eventMs = Number.NaN;
      for (const [name, series] of families) {
        const family = this.family(name);
        family.series = new Map();
        family.recorded = new WeakMap();
        family.workloads = new WeakMap();
        family.own = 0;
        family.zeros = [];
        family.zeroHead = 0;
        family.changes++;
        const zeros: Series[] = [];
        for (const [key, s] of series) {
          if (!s.folded) family.own++;
          this.#add(family, key, s);
          if (!s.folded && s.value === 0 && family.spec.type !== 'gauge') zeros.push(s);
        }
        for (const s of zeros) s.zero = true;
        family.zeros = zeros.sort((a, b) => (a.owner?.lastMs ?? 0) - (b.owner?.lastMs ?? 0));
      }
      // Each workload as last saved active; one unknown (a state saved
      // before workloads were kept) from the clock when settled.
      this.#queue.clear();
      for (const w of this.#workloads.values()) {
        w.lastMs = lastSeen[w.key] ?? Number.NEGATIVE_INFINITY;
      }
      for (const w of this.#workloads.values()) {
        const p = w.parent;
        if (p !== undefined && w.lastMs > p.lastMs) p.lastMs = w.lastMs;
      }
      for (const w of this.#workloads.values()) this.#queue.push(w, w.due(this.#idleMs));
      this.#bounds = bounds;
      this.restoreReport = report;
    };
  }

  /**
   * After a restore, once the kinds have re-held what runs: the workloads
   * idle for longer than the idle expiry by the saved clock go at once (none,
   * when the state was saved with the same expiry). A state saved without a
   * clock (before workloads were kept) takes `newestEventMs`, the newest
   * event time the kinds restored, and its workloads count as active then.
   * Returns how many series went.
   */
  settle(newestEventMs: number): number {
    if (!Number.isFinite(this.#nowMs) && Number.isFinite(newestEventMs)) {
      this.#nowMs = newestEventMs;
      this.#newest = newestEventMs;
      this.#second = newestEventMs;
    }
    if (!Number.isFinite(this.#nowMs)) return 0;
    let expired = 0;
    for (const [name, n] of this.#expireIdle()) {
      expired += n;
      this.#options.expired?.(name, n);
    }
    return expired;
  }

  /**
   * From now on, scrapes show `data` (a snapshot that was saved) rather than
   * the live values, until the next publish (see PublishedSeries).
   */
  publish(data: StoreSnapshot): void {
    this.#view.publish(data, (d) => readSavedSeries(this.#families, d).families);
  }

  /** Saved states published so far: what scrapes show changes with each. */
  get publications(): number {
    return this.#view.publications;
  }

  /** Series of a family that scrapes show now (the published ones with durable state). */
  shownCount(family: Family): number {
    return this.#view.shownCount(family);
  }

  /**
   * The series of a family as scrapes show them, in a stable order. The array
   * is shared between scrapes until a series is added or removed: do not change it.
   */
  shown(family: Family): readonly Series[] {
    return this.#view.shown(family);
  }
}
