/**
 * The values of the metrics that event kinds record: plain counts and
 * histograms per label set, rendered at scrape time. Recording a fact is one
 * Map lookup by a key built from interned label text and an increment: no
 * label hashing or validation per event. Durations are whole milliseconds,
 * so histogram sums are exact and the same in any order of observation.
 *
 * Cardinality is bounded here, by the catalog's label vocabulary:
 * - a bounded label (`last_status`, `stop_code`, `launch_type`, …) keeps its
 *   known values, then the first few others that come, then `other`;
 * - past `maxSeriesPerMetric` series of one metric, a new label set is
 *   recorded with its unbounded labels (`ecs_cluster`, `ecs_service`,
 *   `family`, …) replaced by `_other_`, bounded ones kept: every total, and
 *   every sum by a bounded label, stays exact.
 */
import { labelText } from './exposition-text.js';
import { FIRST_COME_VALUES, FOLDED, LABELS, type MetricSpec, OTHER } from './metric-spec.js';
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

  constructor(spec: MetricSpec) {
    if (spec.type === 'histogram' && spec.buckets === undefined) {
      throw new Error(`${spec.name} has no buckets`);
    }
    for (const label of spec.labelNames) {
      if (LABELS[label] === undefined) throw new Error(`${spec.name}: label ${label} is not known`);
    }
    this.spec = spec;
    this.boundsMs = (spec.buckets ?? []).map((b) => Math.round(b * 1000));
    this.leading = leadingLength(spec);
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

export interface SeriesStoreOptions {
  /** Most series per metric; past it, new label sets fold their unbounded labels. */
  readonly maxSeriesPerMetric: number;
  /** Told of each fact recorded under folded labels, by exposed metric name. */
  readonly folded: (metric: string) => void;
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
  #bounds = new Map<string, LabelBound>();
  /** What scrapes show when set: the values of the last save. */
  #published: Map<string, Map<string, Series>> | undefined;
  #publications = 0;
  /** The live series each snapshot of this store was taken from, in its order. */
  readonly #sources = new WeakMap<StoreSnapshot, Map<string, [string, Series][]>>();
  /**
   * The sorted series of a map of series, while its size is unchanged: series
   * are only ever added to a map (restore and publish replace maps whole).
   */
  readonly #sorted = new WeakMap<Map<string, Series>, Series[]>();

  constructor(specs: readonly MetricSpec[], options: SeriesStoreOptions) {
    if (!(options.maxSeriesPerMetric >= 1)) throw new RangeError('maxSeriesPerMetric must be >= 1');
    this.#options = options;
    for (const spec of specs) this.#families.set(spec.name, new Family(spec));
    this.#bounds = freshBounds();
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
    this.#series(family, base, extra).value += delta;
  }

  /**
   * Sets a gauge series to `value` (0 hides it): a point in time a kind
   * computes from its own state, such as the oldest pending task's creation.
   * Under folded labels the series shows the value set last.
   */
  set(family: Family, base: LabelValues, extra: readonly string[], value: number): void {
    this.#series(family, base, extra).value = value;
  }

  /** Raises a gauge series to `value` unless it is already higher: a newest time seen. */
  raise(family: Family, base: LabelValues, extra: readonly string[], value: number): void {
    const series = this.#series(family, base, extra);
    if (value > series.value) series.value = value;
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
   * Creates a counter or histogram series at 0 unless it exists, so that
   * Prometheus sees its first fact as an increase (a series born at 1 hides
   * it from rate() and increase()). Within the cap only: a label set that
   * would fold is not created, and nothing is counted as folded.
   */
  ensure(family: Family, base: LabelValues, extra: readonly string[]): void {
    if (family.series.has(keyOf(base, extra))) return;
    if (family.own >= this.#options.maxSeriesPerMetric) return;
    if (base.values.length !== family.leading) {
      throw new Error(`${family.spec.name} takes ${family.leading} leading label values`);
    }
    const values = this.#bound(family, [...base.values, ...extra]);
    const key = keyFromValues(values, family.leading);
    if (family.series.has(key)) return;
    family.own++;
    family.series.set(key, newSeries(family, values, family.leading, false));
  }

  #series(family: Family, base: LabelValues, extra: readonly string[]): Series {
    let byExtra = family.recorded.get(base);
    const extraKey = extraKeyOf(extra);
    const cached = byExtra?.get(extraKey);
    if (cached !== undefined) {
      if (cached.folded) this.#options.folded(family.spec.name);
      return cached;
    }
    let series = family.series.get(keyOf(base, extra));
    if (series !== undefined) {
      if (series.folded) this.#options.folded(family.spec.name);
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
    const names = family.spec.labelNames;
    const values = this.#bound(family, raw);
    let key = keyFromValues(values, baseLength);
    const existing = family.series.get(key);
    if (existing !== undefined) {
      if (existing.folded) this.#options.folded(family.spec.name);
      return existing;
    }
    let folded = false;
    if (family.own >= this.#options.maxSeriesPerMetric) {
      folded = true;
      for (let i = 0; i < values.length; i++) {
        if (LABELS[names[i] as string]?.bound === 'unbounded') values[i] = FOLDED;
      }
      key = keyFromValues(values, baseLength);
      this.#options.folded(family.spec.name);
      const target = family.series.get(key);
      if (target !== undefined) return target;
    } else {
      family.own++;
    }
    const series = newSeries(family, values, baseLength, folded);
    family.series.set(key, series);
    return series;
  }

  /** The values of bounded labels as recorded: known, first come, else `other`. */
  #bound(family: Family, raw: readonly string[]): string[] {
    const names = family.spec.labelNames;
    return raw.map((value, i) => {
      const bound = this.#bounds.get(names[i] as string);
      return bound === undefined ? value : bound.bound(value);
    });
  }

  /** Every value and the first-come values of bounded labels, as plain data (JSON-safe). */
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
    const snapshot = { families, bounds };
    this.#sources.set(snapshot, sources);
    return snapshot;
  }

  /**
   * Checks a snapshot and returns a function that replaces every value with
   * it. Throws, changing nothing, when the snapshot is malformed.
   */
  prepareRestore(data: unknown): () => void {
    const built = this.#build(data);
    const bounds = freshBounds();
    for (const [label, values] of Object.entries(built.bounds)) {
      const bound = bounds.get(label);
      if (bound === undefined) throw new Error(`label ${label} has no bound`);
      if (values.length > FIRST_COME_VALUES) throw new Error(`label ${label} has too many values`);
      for (const value of values) bound.extra.add(value);
    }
    return () => {
      for (const [name, series] of built.families) {
        const family = this.family(name);
        family.series = series;
        family.recorded = new WeakMap();
        family.own = 0;
        for (const s of series.values()) if (!s.folded) family.own++;
      }
      this.#bounds = bounds;
    };
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

  /**
   * The series of a family as scrapes show them, in a stable order. The array
   * is shared between scrapes until a series is added: do not change it.
   */
  shown(family: Family): readonly Series[] {
    const series = this.#published?.get(family.spec.name) ?? family.series;
    const cached = this.#sorted.get(series);
    const sorted =
      cached !== undefined && cached.length === series.size
        ? cached
        : [...series.values()].sort(bySortKey);
    this.#sorted.set(series, sorted);
    // A gauge series at 0 is one every entity left: not shown, so what a
    // scrape shows does not depend on the order the entities moved in.
    return family.spec.type === 'gauge' ? sorted.filter((s) => s.value !== 0) : sorted;
  }

  #build(data: unknown): {
    families: Map<string, Map<string, Series>>;
    bounds: Record<string, string[]>;
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
    return { families, bounds: snapshot.bounds };
  }
}

/** How many labels of a family are its leading ones (those a kind interns). */
function leadingLength(spec: MetricSpec): number {
  let n = 0;
  while (n < spec.labelNames.length && LABELS[spec.labelNames[n] as string]?.leading) n++;
  return n;
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

function freshBounds(): Map<string, LabelBound> {
  const bounds = new Map<string, LabelBound>();
  for (const [name, spec] of Object.entries(LABELS)) {
    if (spec.bound === 'bounded') bounds.set(name, new LabelBound(spec.known ?? []));
  }
  return bounds;
}
