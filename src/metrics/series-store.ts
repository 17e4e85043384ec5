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
 */
import { labelText } from './exposition-text.js';
import {
  FIRST_COME_VALUES,
  FOLDED,
  type LabelSpec,
  type MetricSpec,
  OTHER,
} from './metric-spec.js';
import {
  DEFAULT_SERIES_IDLE_EXPIRY_MS,
  ExpiryQueue,
  Workload,
  type WorkloadScope,
  workloadKey,
  workloadScope,
} from './series-lifecycle.js';
import {
  type FamilySnapshot,
  type HistogramTuple,
  readStoreSnapshot,
  type SeriesTuple,
  type StoreSnapshot,
} from './series-snapshot.js';

/**
 * Label values that a kind interns once and reuses for many facts: the
 * leading labels of a family, with a key that identifies them (their JSON).
 */
export interface LabelValues {
  readonly key: string;
  readonly values: readonly string[];
}

export function labelValues(values: readonly string[]): LabelValues {
  return Object.freeze({ key: JSON.stringify(values), values: Object.freeze([...values]) });
}

/**
 * The task behind an observation, shown as an OpenMetrics exemplar so a
 * graph can link a slow pull or a failure spike to a task. Not saved with
 * the state: after a restart a series shows one again from its next fact.
 */
export interface Exemplar {
  readonly taskId: string;
  /** What was observed: whole ms for a histogram, the increment for a counter. */
  readonly value: number;
  /** Event time of the observation, ms since the epoch; NaN when unknown. */
  readonly atMs: number;
}

/** Keeps the newer of two exemplars by event time (the later one on a tie or unknown time). */
function newer(kept: Exemplar | undefined, offered: Exemplar): boolean {
  return kept === undefined || !(offered.atMs < kept.atMs);
}

export class Series {
  /** Non-cumulative bucket counts (+Inf last) of a histogram; empty for a counter. */
  readonly counts: number[];
  /**
   * The latest exemplar per bucket (+Inf last) of a histogram, or at 0 of a
   * counter; sparse. Shared with the published copy of the series, so a
   * scrape of saved values shows the live exemplars.
   */
  readonly exemplars: (Exemplar | undefined)[];
  /** A counter's value, or a histogram's count. */
  value = 0;
  sumMs = 0;
  /** Its key in its family's map (live series only). */
  key = '';
  /** The family it is kept in (live series only). */
  home: Family | undefined = undefined;
  /** The workload it lives as long as; undefined: it never expires. */
  owner: Workload | undefined = undefined;
  /** Created at 0 rather than by a fact: the first to give way at the cap while still 0. */
  zero = false;
  /** Removed from its family (expired, or given way at the cap). */
  dead = false;

  constructor(
    /** Every label value, in the family's label order. */
    readonly values: readonly string[],
    /** Sort key of the leading labels (their JSON), then of the rest. */
    readonly sortBase: string,
    readonly sortExtra: string,
    /** Recorded under `_other_` labels past the cap: not counted against it. */
    readonly folded: boolean,
    buckets: number,
    /** `name="value",…` as the exposition writes it: built once, reused by every scrape. */
    readonly labelText: string,
    exemplars: (Exemplar | undefined)[] = [],
  ) {
    this.counts = buckets === 0 ? [] : new Array<number>(buckets + 1).fill(0);
    this.exemplars = exemplars;
  }
}

/** The bucket an observation falls in: the first upper bound it does not exceed, else +Inf (last). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  return i;
}

export class Family {
  readonly spec: MetricSpec;
  /** Histogram upper bounds in ms; empty for a counter. */
  readonly boundsMs: readonly number[];
  series = new Map<string, Series>();
  /**
   * The series each interned leading-label object and extra values were
   * recorded in, found by object identity (no key built per fact). Stable
   * until a restore: a label set never moves to another series otherwise
   * (bounds only grow, and past the cap new label sets always fold).
   */
  recorded = new WeakMap<LabelValues, Map<string, Series>>();
  /** Series not folded: what the cap counts. */
  own = 0;
  /** How many leading labels the kinds intern together (see LabelValues). */
  readonly leading: number;
  /** Where its unbounded labels are: what folding replaces with `_other_`. */
  readonly unbounded: readonly number[];
  /** Where its workload labels are; undefined: its series never expire. */
  readonly scope: WorkloadScope | undefined;
  /** Series added or removed so far: a sorted order is good while this is unchanged. */
  changes = 0;
  /** Series created at 0, oldest first, from `zeroHead` (removed or incremented ones are skipped). */
  zeros: Series[] = [];
  zeroHead = 0;
  /** The workload of each interned leading-label object, found by identity. */
  workloads = new WeakMap<LabelValues, Workload>();

  constructor(spec: MetricSpec, labels: Labels) {
    if (spec.type === 'histogram' && spec.buckets === undefined) {
      throw new Error(`${spec.name} has no buckets`);
    }
    const specs = spec.labelNames.map((label) => {
      const known = labels[label];
      if (known === undefined) throw new Error(`${spec.name}: label ${label} is not known`);
      return known;
    });
    this.spec = spec;
    this.boundsMs = (spec.buckets ?? []).map((b) => Math.round(b * 1000));
    let leading = 0;
    while (leading < specs.length && specs[leading]?.leading) leading++;
    this.leading = leading;
    this.unbounded = specs.flatMap((l, i) => (l.bound === 'unbounded' ? [i] : []));
    this.scope = workloadScope(spec.labelNames);
  }

  get isHistogram(): boolean {
    return this.spec.type === 'histogram';
  }
}

/**
 * The extra label values as one key below their leading labels: one value
 * as it is, more as their JSON (a joined text would let values that hold
 * the separator collide).
 */
function extraKeyOf(extra: readonly string[]): string {
  if (extra.length === 0) return '';
  if (extra.length === 1) return extra[0] as string;
  return JSON.stringify(extra);
}

/** The key of a series: the leading labels' JSON (which escapes U+0001), then the extra key. */
function keyOf(base: LabelValues, extra: readonly string[]): string {
  return extra.length === 0 ? base.key : `${base.key}\u0001${extraKeyOf(extra)}`;
}

/** The label vocabulary a store bounds by: every label of its families, by name. */
export type Labels = Readonly<Record<string, LabelSpec>>;

export interface SeriesStoreOptions {
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

/** What a restore did to bring the saved series within the bounds. */
export interface RestoreReport {
  /** Series at 0 dropped because their metric was past the cap. */
  readonly shed: number;
  /** Series folded into `_other_` because their metric was still past the cap. */
  readonly folded: number;
  /** Series whose bounded label values were not among those the state allows, moved to `other`. */
  readonly rebounded: number;
}

/** The values of a bounded label beyond its known ones, first come. */
class LabelBound {
  readonly known: ReadonlySet<string>;
  readonly extra = new Set<string>();

  constructor(known: readonly string[]) {
    this.known = new Set(known);
  }

  bound(value: string): string {
    if (this.known.has(value) || this.extra.has(value)) return value;
    if (this.extra.size < FIRST_COME_VALUES) {
      this.extra.add(value);
      return value;
    }
    return OTHER;
  }
}

export class SeriesStore {
  readonly #families = new Map<string, Family>();
  readonly #options: SeriesStoreOptions;
  readonly #idleMs: number;
  #bounds = new Map<string, LabelBound>();
  /** What scrapes show when set: the values of the last save. */
  #published: Map<string, Map<string, Series>> | undefined;
  #publications = 0;
  /** The live series each snapshot of this store was taken from, in its order. */
  readonly #sources = new WeakMap<StoreSnapshot, Map<string, [string, Series][]>>();
  /** The sorted series of a map of series, and the family's `changes` it was sorted at. */
  readonly #sorted = new WeakMap<Map<string, Series>, { at: number; sorted: Series[] }>();
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
    const families: Record<string, FamilySnapshot> = {};
    const sources = new Map<string, [string, Series][]>();
    for (const family of this.#families.values()) {
      const tuples: FamilySnapshot = [];
      const from: [string, Series][] = [];
      for (const entry of family.series) {
        const s = entry[1];
        tuples.push(
          family.isHistogram
            ? [[...s.values], s.folded, [[...s.counts], s.value, s.sumMs] as HistogramTuple]
            : [[...s.values], s.folded, s.value],
        );
        from.push(entry);
      }
      families[family.spec.name] = tuples;
      sources.set(family.spec.name, from);
    }
    const bounds: Record<string, string[]> = {};
    for (const [label, bound] of this.#bounds) bounds[label] = [...bound.extra];
    const lastSeen: Record<string, number> = {};
    for (const [key, w] of this.#workloads) {
      if (Number.isFinite(w.lastMs)) lastSeen[key] = w.lastMs;
    }
    const snapshot: StoreSnapshot = {
      families,
      bounds,
      lastSeen,
      clockMs: Number.isFinite(this.#nowMs) ? this.#nowMs : null,
    };
    this.#sources.set(snapshot, sources);
    return snapshot;
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
    const built = this.#build(data);
    const bounds = freshBounds(this.#options.labels);
    for (const [label, values] of Object.entries(built.bounds)) {
      const bound = bounds.get(label);
      if (bound === undefined) throw new Error(`label ${label} has no bound`);
      if (values.length > FIRST_COME_VALUES) throw new Error(`label ${label} has too many values`);
      for (const value of values) bound.extra.add(value);
    }
    const lastSeen = built.lastSeen;
    let shed = 0;
    let folded = 0;
    let rebounded = 0;
    const families = new Map<string, Map<string, Series>>();
    for (const [name, series] of built.families) {
      const family = this.family(name);
      const bounded = withinBounds(
        family,
        series,
        bounds,
        lastSeen,
        this.#options.maxSeriesPerMetric,
      );
      shed += bounded.shed;
      folded += bounded.folded;
      rebounded += bounded.rebounded;
      families.set(name, bounded.series);
    }
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
      this.restoreReport = { shed, folded, rebounded };
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
   * the live values, until the next publish: nothing is shown before it is
   * on disk, so a counter never goes backwards after a crash.
   */
  publish(data: StoreSnapshot): void {
    this.#published = this.#fromCapture(data) ?? this.#build(data).families;
    this.#publications++;
  }

  /**
   * A snapshot this store took, made into series without reading it back:
   * each saved series lends the key, labels and label text of the live one
   * it was taken from. At the series cap this is a fraction of a build from
   * plain data, and it runs on the event loop at every save.
   */
  #fromCapture(data: StoreSnapshot): Map<string, Map<string, Series>> | undefined {
    const sources = this.#sources.get(data);
    if (sources === undefined) return undefined;
    const families = new Map<string, Map<string, Series>>();
    for (const family of this.#families.values()) {
      const name = family.spec.name;
      const tuples = data.families[name] ?? [];
      const from = sources.get(name) ?? [];
      const series = new Map<string, Series>();
      for (let i = 0; i < tuples.length; i++) {
        const [, folded, value] = tuples[i] as SeriesTuple;
        const [key, like] = from[i] as [string, Series];
        const s = newSeries(family, like.values, family.leading, folded, like);
        if (typeof value === 'number') {
          s.value = value;
        } else {
          const [counts, count, sumMs] = value;
          for (let b = 0; b < counts.length; b++) s.counts[b] = counts[b] as number;
          s.value = count;
          s.sumMs = sumMs;
        }
        series.set(key, s);
      }
      families.set(name, series);
    }
    return families;
  }

  /** Saved states published so far: what scrapes show changes with each. */
  get publications(): number {
    return this.#publications;
  }

  /** Series of a family that scrapes show now (the published ones with durable state). */
  shownCount(family: Family): number {
    if (family.spec.type === 'gauge') return this.shown(family).length;
    return (this.#published?.get(family.spec.name) ?? family.series).size;
  }

  /**
   * The series of a family as scrapes show them, in a stable order. The array
   * is shared between scrapes until a series is added or removed: do not change it.
   */
  shown(family: Family): readonly Series[] {
    const series = this.#published?.get(family.spec.name) ?? family.series;
    // A published map never changes; the live one says how often it did.
    const at = series === family.series ? family.changes : -1;
    const cached = this.#sorted.get(series);
    const sorted =
      cached !== undefined && cached.at === at && cached.sorted.length === series.size
        ? cached.sorted
        : [...series.values()].sort(bySortKey);
    this.#sorted.set(series, { at, sorted });
    // A gauge series at 0 is one every entity left: not shown, so what a
    // scrape shows does not depend on the order the entities moved in.
    return family.spec.type === 'gauge' ? sorted.filter((s) => s.value !== 0) : sorted;
  }

  #build(data: unknown): {
    families: Map<string, Map<string, Series>>;
    bounds: Record<string, string[]>;
    lastSeen: Readonly<Record<string, number>>;
    clockMs: number | null;
  } {
    const snapshot = readStoreSnapshot(data);
    const families = new Map<string, Map<string, Series>>();
    for (const family of this.#families.values()) {
      // A saved series is nearly always a live one: reuse its label text.
      const live = family.series;
      const entries = snapshot.families[family.spec.name] ?? [];
      const baseLength = family.leading;
      const series = new Map<string, Series>();
      for (const [values, folded, value] of entries) {
        if (values.length !== family.spec.labelNames.length) {
          throw new Error(`${family.spec.name} series has the wrong number of labels`);
        }
        const key = keyFromValues(values, baseLength);
        const s = newSeries(family, values, baseLength, folded, live.get(key));
        if (family.isHistogram) {
          const [counts, count, sumMs] = value as HistogramTuple;
          if (!Array.isArray(counts) || counts.length !== family.boundsMs.length + 1) {
            throw new Error(`${family.spec.name} histogram buckets changed`);
          }
          counts.forEach((n, i) => {
            s.counts[i] = n;
          });
          s.value = count;
          s.sumMs = sumMs;
        } else {
          if (
            typeof value !== 'number' ||
            (family.spec.type === 'counter' && !Number.isSafeInteger(value))
          ) {
            throw new Error(`${family.spec.name} count is malformed`);
          }
          s.value = value;
        }
        if (series.has(key)) throw new Error(`${family.spec.name} label set appears twice`);
        series.set(key, s);
      }
      families.set(family.spec.name, series);
    }
    for (const name of Object.keys(snapshot.families)) {
      if (!this.#families.has(name)) throw new Error(`metric ${name} is not kept here`);
    }
    return {
      families,
      bounds: snapshot.bounds,
      lastSeen: snapshot.lastSeen ?? {},
      clockMs: snapshot.clockMs ?? null,
    };
  }
}

/** Adds what `from` counted to `into` (same family). */
function mergeInto(into: Series, from: Series): void {
  into.value += from.value;
  into.sumMs += from.sumMs;
  for (let i = 0; i < from.counts.length; i++) {
    into.counts[i] = (into.counts[i] as number) + (from.counts[i] as number);
  }
}

/**
 * Restored series of one family within the bounds a live store keeps: bounded
 * label values the state does not allow become `other`; a series is folded
 * exactly when its unbounded labels all are `_other_`; past the cap, series
 * at 0 go first (least recently active workload first), then the least
 * recently active (then smallest) series fold into `_other_`. Series that
 * come to share a label set are added together.
 */
function withinBounds(
  family: Family,
  saved: Map<string, Series>,
  bounds: Map<string, LabelBound>,
  lastSeen: Readonly<Record<string, number>>,
  max: number,
): { series: Map<string, Series>; shed: number; folded: number; rebounded: number } {
  const names = family.spec.labelNames;
  const unbounded = family.unbounded;
  const out = new Map<string, Series>();
  let rebounded = 0;
  const put = (values: string[], folded: boolean, from: Series, like?: Series) => {
    const key = keyFromValues(values, family.leading);
    const target = out.get(key);
    if (target !== undefined) {
      mergeInto(target, from);
      return;
    }
    const s = newSeries(family, values, family.leading, folded, like);
    mergeInto(s, from);
    out.set(key, s);
  };
  for (const s of saved.values()) {
    const values = [...s.values];
    let changed = false;
    for (let i = 0; i < values.length; i++) {
      const bound = bounds.get(names[i] as string);
      const v = values[i] as string;
      if (bound !== undefined && !bound.known.has(v) && !bound.extra.has(v) && v !== OTHER) {
        values[i] = OTHER;
        changed = true;
      }
    }
    if (changed) rebounded++;
    const folded = unbounded.length > 0 && unbounded.every((i) => values[i] === FOLDED);
    put(values, folded, s, changed ? undefined : s);
  }
  let own = 0;
  for (const s of out.values()) if (!s.folded) own++;
  let shed = 0;
  let folded = 0;
  if (own > max) {
    const scope = family.scope;
    const activeAt = (s: Series): number =>
      scope === undefined
        ? 0
        : (lastSeen[
            workloadKey(
              scope.names,
              scope.indexes.map((i) => s.values[i] as string),
            )
          ] ?? 0);
    const zeros = [...out.entries()]
      .filter(([, s]) => !s.folded && s.value === 0)
      .sort(([, a], [, b]) => activeAt(a) - activeAt(b));
    for (const [key] of zeros) {
      if (own <= max) break;
      out.delete(key);
      own--;
      shed++;
    }
    if (own > max) {
      const ranked = [...out.entries()]
        .filter(([, s]) => !s.folded)
        .sort(([, a], [, b]) => activeAt(b) - activeAt(a) || b.value - a.value);
      for (const [key, s] of ranked.slice(max)) {
        out.delete(key);
        const values = [...s.values];
        for (const i of unbounded) values[i] = FOLDED;
        put(values, true, s);
        folded++;
      }
    }
  }
  return { series: out, shed, folded, rebounded };
}

function keyFromValues(values: readonly string[], baseLength: number): string {
  const base = JSON.stringify(values.slice(0, baseLength));
  return keyOf({ key: base, values: [] }, values.slice(baseLength));
}

/** The one place a series is made; `like` (same label values) lends its label text. */
function newSeries(
  family: Family,
  values: readonly string[],
  baseLength: number,
  folded: boolean,
  like?: Series,
): Series {
  const buckets = family.isHistogram ? family.boundsMs.length : 0;
  if (like !== undefined) {
    return new Series(
      like.values,
      like.sortBase,
      like.sortExtra,
      folded,
      buckets,
      like.labelText,
      like.exemplars,
    );
  }
  return new Series(
    Object.freeze([...values]),
    JSON.stringify(values.slice(0, baseLength)),
    values.slice(baseLength).join('\u0000'),
    folded,
    buckets,
    labelText(family.spec.labelNames, values),
  );
}

function bySortKey(a: Series, b: Series): number {
  if (a.sortBase !== b.sortBase) return a.sortBase < b.sortBase ? -1 : 1;
  if (a.sortExtra !== b.sortExtra) return a.sortExtra < b.sortExtra ? -1 : 1;
  return 0;
}

function freshBounds(labels: Labels): Map<string, LabelBound> {
  const bounds = new Map<string, LabelBound>();
  for (const [name, spec] of Object.entries(labels)) {
    if (spec.bound === 'bounded') bounds.set(name, new LabelBound(spec.known ?? []));
  }
  return bounds;
}
