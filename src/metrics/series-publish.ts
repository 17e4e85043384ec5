/**
 * What scrapes show: the live series, or with durable state the series of
 * the last save (published), so nothing is shown before it is on disk. Each
 * family's series in a stable sorted order, kept between scrapes until a
 * series is added or removed.
 */

import { bySortKey, type Family, newSeries, type Series } from './series.js';
import type { FamilySnapshot, SeriesTuple, StoreSnapshot } from './series-snapshot.js';

export class PublishedSeries {
  readonly #families: ReadonlyMap<string, Family>;
  /** What scrapes show when set: the values of the last save. */
  #published: Map<string, Map<string, Series>> | undefined;
  #publications = 0;
  /** The live series each snapshot of the store was taken from, in its order. */
  readonly #sources = new WeakMap<StoreSnapshot, Map<string, [string, Series][]>>();
  /** The sorted series of a map of series, and the family's `changes` it was sorted at. */
  readonly #sorted = new WeakMap<Map<string, Series>, { at: number; sorted: Series[] }>();

  constructor(families: ReadonlyMap<string, Family>) {
    this.#families = families;
  }

  /**
   * A snapshot of every live value with the rest of the store's state
   * (`rest`), remembering the live series each tuple was taken from so that
   * publishing it needs no rebuild.
   */
  capture(rest: Omit<StoreSnapshot, 'families'>): StoreSnapshot {
    const families: Record<string, FamilySnapshot> = {};
    const sources = new Map<string, [string, Series][]>();
    for (const family of this.#families.values()) {
      const tuples: FamilySnapshot = [];
      const from: [string, Series][] = [];
      for (const entry of family.series) {
        const s = entry[1];
        tuples.push(
          family.isHistogram
            ? [[...s.values], s.folded, [[...s.counts], s.value, s.sumMs]]
            : [[...s.values], s.folded, s.value],
        );
        from.push(entry);
      }
      families[family.spec.name] = tuples;
      sources.set(family.spec.name, from);
    }
    const snapshot: StoreSnapshot = { families, ...rest };
    this.#sources.set(snapshot, sources);
    return snapshot;
  }

  /**
   * From now on, scrapes show `data` (a snapshot that was saved) rather than
   * the live values, until the next publish: nothing is shown before it is
   * on disk, so a counter never goes backwards after a crash. `read` builds
   * series from a snapshot this store did not capture.
   */
  publish(
    data: StoreSnapshot,
    read: (data: StoreSnapshot) => Map<string, Map<string, Series>>,
  ): void {
    this.#published = this.#fromCapture(data) ?? read(data);
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
}
