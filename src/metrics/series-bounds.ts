/**
 * How the series store bounds cardinality: a bounded label keeps its known
 * values, then the first few that come, then `other`; past the cap a label
 * set folds its unbounded labels into `_other_`; a restored family is
 * brought within the same bounds (withinBounds).
 */
import { FIRST_COME_VALUES, FOLDED, OTHER } from './metric-spec.js';
import { type Family, keyFromValues, type Labels, newSeries, type Series } from './series.js';
import { workloadKey } from './series-lifecycle.js';

/** The values of a bounded label beyond its known ones, first come. */
export class LabelBound {
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

export function freshBounds(labels: Labels): Map<string, LabelBound> {
  const bounds = new Map<string, LabelBound>();
  for (const [name, spec] of Object.entries(labels)) {
    if (spec.bound === 'bounded') bounds.set(name, new LabelBound(spec.known ?? []));
  }
  return bounds;
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
export function withinBounds(
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
