/**
 * The exporter's metrics about itself and the registry they and the series
 * store render through. Counts that change per record are plain numbers read
 * at scrape time; with durable state, scrapes show the counts of the last
 * save (`published`), like the series store. None of it needs prom-client.
 */
import {
  EXPORTER_BUILD_INFO,
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_SERIES,
  EXPORTER_SERIES_EXPIRED,
  EXPORTER_SERIES_FOLDED,
  EXPORTER_SERIES_LIMIT,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
  EXPORTER_ZERO_SERIES_SHED,
} from './catalog.js';
import type { MetricRegistry } from './metric-registry.js';
import { collected, fixedGauge, type Observer, PlainHistogram } from './plain-metrics.js';
import type { SeriesStore } from './series-store.js';
import { registerFamily } from './store-families.js';

/** Why tracked state was dropped: the cap forced it, or retention after STOPPED (the `cause` label). */
export const FORGET_CAUSES = ['capacity', 'retention'] as const;
export type ForgetCause = (typeof FORGET_CAUSES)[number];

export const RECORD_RESULTS = ['processed', 'duplicate', 'invalid', 'ignored'] as const;
export type RecordResult = (typeof RECORD_RESULTS)[number];

/** The self counts that durable state saves with the series store. */
export interface SelfCounts {
  records: Record<RecordResult, number>;
  evictions: Record<ForgetCause, number>;
  /** Facts recorded under folded labels, by exposed metric name. */
  folded: Record<string, number>;
  /** Series removed with their idle workload, by exposed metric name. */
  expired: Record<string, number>;
  /** Series created at 0 and never incremented that gave way at the cap, by exposed metric name. */
  shed: Record<string, number>;
}

function zeroCounts(metrics: readonly string[]): SelfCounts {
  return {
    records: { processed: 0, duplicate: 0, invalid: 0, ignored: 0 },
    evictions: { capacity: 0, retention: 0 },
    folded: Object.fromEntries(metrics.map((m) => [m, 0])),
    expired: Object.fromEntries(metrics.map((m) => [m, 0])),
    shed: Object.fromEntries(metrics.map((m) => [m, 0])),
  };
}

/** Values read at scrape time rather than pushed on every record. */
interface MetricsProbes {
  /** Newest event time seen, ms since the epoch; not finite before any. */
  newestEventMs(): number;
  trackedTasks(): number;
  trackedTasksLimit(): number;
  /** --max-series-per-metric. */
  seriesLimit(): number;
}

export interface SelfMetrics {
  /** Live counts, incremented on the hot path. */
  readonly counts: SelfCounts;
  /** When set, scrapes show these saved counts instead of the live ones. */
  published: SelfCounts | undefined;
  readonly deliveryLag: Observer;
}

/** What a serving command adds: its build, and its process metrics (registered before build info). */
export interface LiveMetrics {
  readonly version: string;
  readonly nodejsVersion: string;
  registerProcessMetrics(registry: MetricRegistry): void;
}

/** The process metrics, then build info: what every serving process shows, standbys too. */
export function registerLiveMetrics(registry: MetricRegistry, live: LiveMetrics): void {
  live.registerProcessMetrics(registry);
  fixedGauge(
    registry,
    EXPORTER_BUILD_INFO,
    { version: live.version, nodejs_version: live.nodejsVersion },
    1,
  );
}

/**
 * Registers every metric on `registry`, the store's families included, in
 * the order the exposition shows them.
 */
export function createSelfMetrics(
  registry: MetricRegistry,
  store: SeriesStore,
  probes: MetricsProbes,
  live: LiveMetrics | undefined,
): SelfMetrics {
  const foldable = store.families.map((f) => f.spec.name).sort();
  const counts = zeroCounts(foldable);
  // Read at scrape time only, once `self` is built below.
  let self: SelfMetrics | undefined;
  const shown = () => self?.published ?? counts;
  collected(registry, EXPORTER_TASK_STATE_EVICTIONS, 'counter', () =>
    FORGET_CAUSES.map((cause) => [{ cause }, shown().evictions[cause]] as const),
  );
  collected(registry, EXPORTER_SERIES_FOLDED, 'counter', () =>
    foldable.map((metric) => [{ metric }, shown().folded[metric] ?? 0] as const),
  );
  collected(registry, EXPORTER_SERIES_EXPIRED, 'counter', () =>
    foldable.map((metric) => [{ metric }, shown().expired[metric] ?? 0] as const),
  );
  collected(registry, EXPORTER_ZERO_SERIES_SHED, 'counter', () =>
    foldable.map((metric) => [{ metric }, shown().shed[metric] ?? 0] as const),
  );
  collected(registry, EXPORTER_SERIES, 'gauge', () =>
    store.families.map(
      (family) => [{ metric: family.spec.name }, store.shownCount(family)] as const,
    ),
  );
  collected(registry, EXPORTER_SERIES_LIMIT, 'gauge', () => [[{}, probes.seriesLimit()]]);
  for (const family of store.families) registerFamily(registry, store, family);
  collected(registry, EXPORTER_RECORDS, 'counter', () =>
    RECORD_RESULTS.map((result) => [{ result }, shown().records[result]] as const),
  );
  const deliveryLag = new PlainHistogram(registry, EXPORTER_EVENT_DELIVERY_LAG);
  collected(registry, EXPORTER_LAST_EVENT_TIMESTAMP, 'gauge', () => {
    const newest = probes.newestEventMs();
    return Number.isFinite(newest) ? [[{}, newest / 1000]] : [];
  });
  collected(registry, EXPORTER_TRACKED_TASKS, 'gauge', () => [[{}, probes.trackedTasks()]]);
  collected(registry, EXPORTER_TRACKED_TASKS_LIMIT, 'gauge', () => [
    [{}, probes.trackedTasksLimit()],
  ]);
  if (live !== undefined) registerLiveMetrics(registry, live);
  self = { counts, published: undefined, deliveryLag };
  return self;
}
