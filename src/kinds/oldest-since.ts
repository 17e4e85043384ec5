/**
 * The oldest of a changing set of points in time per label set, shown as a
 * gauge in seconds since the epoch: when the oldest pending task was
 * created, when the oldest unfinished deployment started. A count per
 * distinct time, so taking one away is cheap unless it was the oldest.
 * Pure: the kind says what enters and leaves, and where the value is shown.
 */
import type { LabelValues } from '../metrics/series-store.js';

interface Times {
  readonly labels: LabelValues;
  readonly counts: Map<number, number>;
  oldest: number;
}

export class OldestSince {
  #byLabels = new Map<string, Times>();
  /** Shows `seconds` for `labels`; 0 when nothing is left (the gauge hides it). */
  #show: (labels: LabelValues, seconds: number) => void;

  constructor(show: (labels: LabelValues, seconds: number) => void) {
    this.#show = show;
  }

  /** Label sets with at least one time now. */
  get size(): number {
    return this.#byLabels.size;
  }

  add(labels: LabelValues, ms: number): void {
    if (!Number.isFinite(ms)) return;
    let times = this.#byLabels.get(labels.key);
    if (times === undefined) {
      times = { labels, counts: new Map(), oldest: ms };
      this.#byLabels.set(labels.key, times);
    }
    times.counts.set(ms, (times.counts.get(ms) ?? 0) + 1);
    if (ms <= times.oldest || times.counts.size === 1) {
      times.oldest = ms;
      this.#show(labels, ms / 1000);
    }
  }

  remove(labels: LabelValues, ms: number): void {
    const times = this.#byLabels.get(labels.key);
    const n = times?.counts.get(ms);
    if (times === undefined || n === undefined) return;
    if (n > 1) {
      times.counts.set(ms, n - 1);
      return;
    }
    times.counts.delete(ms);
    if (times.counts.size === 0) {
      this.#byLabels.delete(labels.key);
      this.#show(times.labels, 0);
      return;
    }
    if (ms !== times.oldest) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const t of times.counts.keys()) if (t < oldest) oldest = t;
    times.oldest = oldest;
    this.#show(times.labels, oldest / 1000);
  }

  /**
   * Replaces every time with `entries`, showing nothing: after a restore,
   * whose gauges come back with the series store they were saved in.
   */
  restore(entries: Iterable<readonly [LabelValues, number]>): void {
    const show = this.#show;
    this.#byLabels = new Map();
    this.#show = () => {};
    try {
      for (const [labels, ms] of entries) this.add(labels, ms);
    } finally {
      this.#show = show;
    }
  }
}
