/**
 * Reading a saved state back: its series checked and rebuilt for the
 * store's families, then brought within the bounds a live store keeps
 * (series-bounds.ts) before the store swaps them in.
 */
import { FIRST_COME_VALUES } from './metric-spec.js';
import { type Family, keyFromValues, type Labels, newSeries, type Series } from './series.js';
import { freshBounds, type LabelBound, withinBounds } from './series-bounds.js';
import { type HistogramTuple, readStoreSnapshot } from './series-snapshot.js';

/** What a restore did to bring the saved series within the bounds. */
export interface RestoreReport {
  /** Series at 0 dropped because their metric was past the cap. */
  readonly shed: number;
  /** Series folded into `_other_` because their metric was still past the cap. */
  readonly folded: number;
  /** Series whose bounded label values were not among those the state allows, moved to `other`. */
  readonly rebounded: number;
}

/** A saved state read back into series of the store's families, as it was saved. */
interface SavedSeries {
  readonly families: Map<string, Map<string, Series>>;
  readonly bounds: Record<string, string[]>;
  readonly lastSeen: Readonly<Record<string, number>>;
  readonly clockMs: number | null;
}

/**
 * Reads a snapshot into series of `families` (by name); throws, building
 * nothing, when it is malformed or names a metric not kept here.
 */
export function readSavedSeries(families: ReadonlyMap<string, Family>, data: unknown): SavedSeries {
  const snapshot = readStoreSnapshot(data);
  const read = new Map<string, Map<string, Series>>();
  for (const family of families.values()) {
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
    read.set(family.spec.name, series);
  }
  for (const name of Object.keys(snapshot.families)) {
    if (!families.has(name)) throw new Error(`metric ${name} is not kept here`);
  }
  return {
    families: read,
    bounds: snapshot.bounds,
    lastSeen: snapshot.lastSeen ?? {},
    clockMs: snapshot.clockMs ?? null,
  };
}

/** Saved series within the bounds: the first-come values the state allows, and each family's series. */
interface BoundedSeries {
  readonly bounds: Map<string, LabelBound>;
  readonly families: Map<string, Map<string, Series>>;
  readonly report: RestoreReport;
}

/** Brings what `readSavedSeries` read within the bounds of `labels` and the cap. */
export function boundSavedSeries(
  saved: SavedSeries,
  family: (name: string) => Family,
  labels: Labels,
  maxSeriesPerMetric: number,
): BoundedSeries {
  const bounds = freshBounds(labels);
  for (const [label, values] of Object.entries(saved.bounds)) {
    const bound = bounds.get(label);
    if (bound === undefined) throw new Error(`label ${label} has no bound`);
    if (values.length > FIRST_COME_VALUES) throw new Error(`label ${label} has too many values`);
    for (const value of values) bound.extra.add(value);
  }
  let shed = 0;
  let folded = 0;
  let rebounded = 0;
  const families = new Map<string, Map<string, Series>>();
  for (const [name, series] of saved.families) {
    const bounded = withinBounds(family(name), series, bounds, saved.lastSeen, maxSeriesPerMetric);
    shed += bounded.shed;
    folded += bounded.folded;
    rebounded += bounded.rebounded;
    families.set(name, bounded.series);
  }
  return { bounds, families, report: { shed, folded, rebounded } };
}
