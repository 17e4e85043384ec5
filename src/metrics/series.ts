/**
 * What the series store keeps, as data: a family (one metric, its label
 * layout and its series), a series (a count or a histogram of one label
 * set), the interned leading labels a kind records under, and the keys a
 * series is found by. No recording, bounding or publishing here.
 */
import { labelText } from './exposition-text.js';
import type { LabelSpec, MetricSpec } from './metric-spec.js';
import { type Workload, type WorkloadScope, workloadScope } from './series-lifecycle.js';

/** The label vocabulary a store bounds by: every label of its families, by name. */
export type Labels = Readonly<Record<string, LabelSpec>>;

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
export function newer(kept: Exemplar | undefined, offered: Exemplar): boolean {
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
export function extraKeyOf(extra: readonly string[]): string {
  if (extra.length === 0) return '';
  if (extra.length === 1) return extra[0] as string;
  return JSON.stringify(extra);
}

/** The key of a series: the leading labels' JSON (which escapes U+0001), then the extra key. */
export function keyOf(base: LabelValues, extra: readonly string[]): string {
  return extra.length === 0 ? base.key : `${base.key}\u0001${extraKeyOf(extra)}`;
}

export function keyFromValues(values: readonly string[], baseLength: number): string {
  const base = JSON.stringify(values.slice(0, baseLength));
  return keyOf({ key: base, values: [] }, values.slice(baseLength));
}

/** The one place a series is made; `like` (same label values) lends its label text. */
export function newSeries(
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

export function bySortKey(a: Series, b: Series): number {
  if (a.sortBase !== b.sortBase) return a.sortBase < b.sortBase ? -1 : 1;
  if (a.sortExtra !== b.sortExtra) return a.sortExtra < b.sortExtra ? -1 : 1;
  return 0;
}
