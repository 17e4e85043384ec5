/**
 * The series store: label sets found by their interned leading labels after a
 * restore, folding kept for later facts, and an observation taken back
 * leaving the histogram as if never made.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_LABELS } from '../../src/kinds/labels.js';
import {
  TASK_IMAGE_PULL_DURATION,
  TASK_METRICS,
  TASK_STOPPED,
} from '../../src/kinds/task-state-change/task-metrics.js';
import { labelValues, SeriesStore } from '../../src/metrics/series-store.js';

const leading = (cluster: string) =>
  labelValues(['123456789012', 'eu-west-1', cluster, 'api', 'web', 'FARGATE']);

function storeWith(maxSeriesPerMetric: number) {
  const folded: string[] = [];
  const store = new SeriesStore(TASK_METRICS, {
    labels: EVENT_LABELS,
    maxSeriesPerMetric,
    folded: (metric) => folded.push(metric),
  });
  const countOf = (cluster: string, extra: readonly string[]) =>
    store
      .shown(store.family(TASK_STOPPED))
      .find((s) => s.values.join('|') === [...leading(cluster).values, ...extra].join('|'))?.value;
  return { store, folded, countOf, stopped: store.family(TASK_STOPPED) };
}

describe('the series store finds a label set by its interned leading labels', () => {
  it('records into the restored series after a restore, not the ones it replaced', () => {
    const { store, countOf, stopped } = storeWith(100);
    const prod = leading('prod');
    const extra = ['EssentialContainerExited', 'out_of_memory'];
    store.inc(stopped, prod, extra);
    store.inc(stopped, prod, extra);
    const saved = JSON.parse(JSON.stringify(store.snapshot()));
    store.inc(stopped, prod, extra);
    expect(countOf('prod', extra)).toBe(3);
    store.prepareRestore(saved)();
    expect(countOf('prod', extra)).toBe(2);
    // The same interned object as before the restore: its facts land in the restored series.
    store.inc(stopped, prod, extra);
    expect(countOf('prod', extra)).toBe(3);
  });

  it('keeps a label set folded past the cap on every later fact, and counts each one as folded', () => {
    const { store, folded, countOf, stopped } = storeWith(1);
    const extra = ['UserInitiated', 'user_initiated'];
    store.inc(stopped, leading('a'), extra);
    const late = leading('b');
    for (let i = 0; i < 3; i++) store.inc(stopped, late, extra);
    expect(countOf('a', extra)).toBe(1);
    expect(countOf('b', extra)).toBeUndefined();
    const other = store.shown(stopped).find((s) => s.folded && s.values.includes('user_initiated'));
    expect(other?.value).toBe(3);
    expect(other?.values.slice(2, 5)).toEqual(['_other_', '_other_', '_other_']);
    expect(folded).toEqual([TASK_STOPPED, TASK_STOPPED, TASK_STOPPED]);
  });

  it('tells apart extra values that would join alike', () => {
    const { store, countOf, stopped } = storeWith(100);
    const prod = leading('prod');
    store.inc(stopped, prod, ['a', 'b\u0000c']);
    store.inc(stopped, prod, ['a\u0000b', 'c']);
    expect(countOf('prod', ['a', 'b\u0000c'])).toBe(1);
    expect(countOf('prod', ['a\u0000b', 'c'])).toBe(1);
    // And a saved state holding both restores (two label sets, not one twice).
    store.prepareRestore(JSON.parse(JSON.stringify(store.snapshot())))();
    expect(countOf('prod', ['a', 'b\u0000c'])).toBe(1);
  });
});

describe('an observation taken back', () => {
  it('leaves the histogram series as if it had never been made, the others it holds kept', () => {
    const store = new SeriesStore(TASK_METRICS, {
      labels: EVENT_LABELS,
      maxSeriesPerMetric: 100,
      folded: () => {},
    });
    const pulls = store.family(TASK_IMAGE_PULL_DURATION);
    const prod = leading('prod');
    store.observe(pulls, prod, [], 800);
    store.observe(pulls, prod, [], 61_000);
    store.unobserve(pulls, prod, [], 61_000);
    const [series] = store.shown(pulls);
    expect(series?.value).toBe(1);
    expect(series?.sumMs).toBe(800);
    expect(series?.counts.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
