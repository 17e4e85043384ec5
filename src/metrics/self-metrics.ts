/**
 * The exporter's metrics about itself and the registry they and the series
 * store render through. Counts that change per record are plain numbers read
 * at scrape time; with durable state, scrapes show the counts of the last
 * save (`published`), like the series store.
 */
import type { Histogram, Registry } from 'prom-client';
import { FORGET_CAUSES, type ForgetCause } from '../kinds/kind.js';
import {
  EXPORTER_BUILD_INFO,
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_SERIES_FOLDED,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
} from './catalog.js';
import { counter, gauge, histogram, registerFamily } from './collectors.js';
import { registerProcessMetrics } from './process-metrics.js';
import type { SeriesStore } from './series-store.js';

export const RECORD_RESULTS = ['processed', 'duplicate', 'invalid', 'ignored'] as const;
export type RecordResult = (typeof RECORD_RESULTS)[number];

/** The self counts that durable state saves with the series store. */
export interface SelfCounts {
  records: Record<RecordResult, number>;
  evictions: Record<ForgetCause, number>;
  /** Facts recorded under folded labels, by exposed metric name. */
  folded: Record<string, number>;
}

export function zeroCounts(metrics: readonly string[]): SelfCounts {
  return {
    records: { processed: 0, duplicate: 0, invalid: 0, ignored: 0 },
    evictions: { capacity: 0, retention: 0 },
    folded: Object.fromEntries(metrics.map((m) => [m, 0])),
  };
}

/** Values read at scrape time rather than pushed on every record. */
export interface MetricsProbes {
  /** Newest event time seen, ms since the epoch; not finite before any. */
  newestEventMs(): number;
  trackedTasks(): number;
  trackedTasksLimit(): number;
}

export interface SelfMetrics {
  /** Live counts, incremented on the hot path. */
  readonly counts: SelfCounts;
  /** When set, scrapes show these saved counts instead of the live ones. */
  published: SelfCounts | undefined;
  readonly deliveryLag: Histogram;
}

/**
 * Registers every metric on `registry`, the store's families included, in
 * the order the exposition shows them.
 */
export function createSelfMetrics(
  registry: Registry,
  store: SeriesStore,
  probes: MetricsProbes,
  build: { version: string; nodejsVersion: string } | undefined,
): SelfMetrics {
  const foldable = store.families.map((f) => f.spec.name).sort();
  const counts = zeroCounts(foldable);
  // Read at scrape time only, once `self` is built below.
  let self: SelfMetrics | undefined;
  const shown = () => self?.published ?? counts;
  counter(registry, EXPORTER_TASK_STATE_EVICTIONS, (c) => {
    c.reset();
    for (const cause of FORGET_CAUSES) c.inc({ cause }, shown().evictions[cause]);
  });
  counter(registry, EXPORTER_SERIES_FOLDED, (c) => {
    c.reset();
    for (const metric of foldable) c.inc({ metric }, shown().folded[metric] ?? 0);
  });
  for (const family of store.families) registerFamily(registry, store, family);
  counter(registry, EXPORTER_RECORDS, (c) => {
    c.reset();
    for (const result of RECORD_RESULTS) c.inc({ result }, shown().records[result]);
  });
  const deliveryLag = histogram(registry, EXPORTER_EVENT_DELIVERY_LAG);
  gauge(registry, EXPORTER_LAST_EVENT_TIMESTAMP, (g) => {
    const newest = probes.newestEventMs();
    if (Number.isFinite(newest)) g.set(newest / 1000);
  });
  gauge(registry, EXPORTER_TRACKED_TASKS, (g) => g.set(probes.trackedTasks()));
  gauge(registry, EXPORTER_TRACKED_TASKS_LIMIT, (g) => g.set(probes.trackedTasksLimit()));
  if (build !== undefined) {
    registerProcessMetrics(registry);
    gauge(registry, EXPORTER_BUILD_INFO).set(
      { version: build.version, nodejs_version: build.nodejsVersion },
      1,
    );
  }
  self = { counts, published: undefined, deliveryLag };
  return self;
}
