/**
 * Builds every metric of the catalog on a registry passed in (never the
 * global one). Throws at build time for a metric missing from the catalog or
 * of the wrong type, so a typo cannot surface first on a live scrape.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  EXPORTER_BUILD_INFO,
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_SERIES_FOLDED,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
  metricSpec,
} from './catalog.js';
import { SERIES_METRICS, type SeriesMetric, TaskMetricStore } from './task-metric-store.js';

function specOf(name: string, type: 'counter' | 'gauge' | 'histogram') {
  const spec = metricSpec(name);
  if (spec.type !== type) throw new Error(`${name} is a ${spec.type}, not a ${type}`);
  return spec;
}

/** prom-client calls `collect` with the metric as `this` at every scrape. */
function collectWith<T>(collect: ((metric: T) => void) | undefined) {
  return collect === undefined
    ? {}
    : {
        collect(this: T) {
          collect(this);
        },
      };
}

/** A counter of the catalog on `registry`; `collect` runs at every scrape. */
export function counter<L extends string = string>(
  registry: Registry,
  name: string,
  collect?: (c: Counter<L>) => void,
): Counter<L> {
  const spec = specOf(name, 'counter');
  return new Counter<L>({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames] as L[],
    registers: [registry],
    ...collectWith(collect),
  });
}

/** A gauge of the catalog on `registry`; `collect` runs at every scrape. */
export function gauge<L extends string = string>(
  registry: Registry,
  name: string,
  collect?: (g: Gauge<L>) => void,
): Gauge<L> {
  const spec = specOf(name, 'gauge');
  return new Gauge<L>({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames] as L[],
    registers: [registry],
    ...collectWith(collect),
  });
}

function histogram(registry: Registry, name: string): Histogram {
  const spec = specOf(name, 'histogram');
  if (spec.buckets === undefined) throw new Error(`${name} has no buckets`);
  return new Histogram({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    buckets: [...spec.buckets],
    registers: [registry],
  });
}

export const RECORD_RESULTS = ['processed', 'duplicate', 'invalid', 'ignored'] as const;
export type RecordResult = (typeof RECORD_RESULTS)[number];
export const EVICTION_CAUSES = ['capacity', 'retention'] as const;
export type EvictionCause = (typeof EVICTION_CAUSES)[number];

export interface PublishedCounts {
  records?: Record<RecordResult, number>;
  evictions?: Record<EvictionCause, number>;
  folded?: Record<SeriesMetric, number>;
}

/** Values read at scrape time rather than pushed on every record. */
export interface MetricsProbes {
  /** Newest event time seen, ms since the epoch; not finite before any. */
  newestEventMs(): number;
  trackedTasks(): number;
  trackedTasksLimit(): number;
}

export interface MetricsOptions {
  /** Most series per task metric before new ones are folded. */
  readonly maxSeriesPerMetric: number;
  /** Adds build info when given. */
  readonly build?: { version: string; nodejsVersion: string };
}

export interface ExporterMetrics {
  readonly registry: Registry;
  /** The task metrics; also the sink the task tracker reports to. */
  readonly tasks: TaskMetricStore;
  /** Records by result, counted on the hot path as plain numbers and read at scrape time. */
  readonly recordCounts: Record<RecordResult, number>;
  /** Tracked tasks dropped, by cause; read at scrape time. */
  readonly evictionCounts: Record<EvictionCause, number>;
  /** Task metric facts folded past the series cap, by metric; read at scrape time. */
  readonly foldedCounts: Record<SeriesMetric, number>;
  /** When set, scrapes show these saved counts instead of the live ones. */
  readonly published: PublishedCounts;
  readonly deliveryLag: Histogram;
}

export function createMetrics(
  registry: Registry,
  probes: MetricsProbes,
  options: MetricsOptions,
): ExporterMetrics {
  const build = options.build;
  const evictionCounts: Record<EvictionCause, number> = { capacity: 0, retention: 0 };
  const published: PublishedCounts = {};
  counter(registry, EXPORTER_TASK_STATE_EVICTIONS, (c) => {
    c.reset();
    const counts = published.evictions ?? evictionCounts;
    for (const cause of EVICTION_CAUSES) c.inc({ cause }, counts[cause]);
  });
  const foldedCounts: Record<SeriesMetric, number> = {
    transitions: 0,
    stopped: 0,
    imagePull: 0,
    startup: 0,
    run: 0,
  };
  counter(registry, EXPORTER_SERIES_FOLDED, (c) => {
    c.reset();
    const counts = published.folded ?? foldedCounts;
    for (const metric of SERIES_METRICS) c.inc({ metric }, counts[metric]);
  });
  const tasks = new TaskMetricStore({
    maxSeriesPerMetric: options.maxSeriesPerMetric,
    forgotten: (cause) => {
      evictionCounts[cause]++;
    },
    folded: (metric) => {
      foldedCounts[metric]++;
    },
  });
  tasks.register(registry);
  const recordCounts: Record<RecordResult, number> = {
    processed: 0,
    duplicate: 0,
    invalid: 0,
    ignored: 0,
  };
  counter(registry, EXPORTER_RECORDS, (c) => {
    c.reset();
    const counts = published.records ?? recordCounts;
    for (const result of RECORD_RESULTS) c.inc({ result }, counts[result]);
  });
  const deliveryLag = histogram(registry, EXPORTER_EVENT_DELIVERY_LAG);
  gauge(registry, EXPORTER_LAST_EVENT_TIMESTAMP, (g) => {
    const newest = probes.newestEventMs();
    if (Number.isFinite(newest)) g.set(newest / 1000);
  });
  gauge(registry, EXPORTER_TRACKED_TASKS, (g) => g.set(probes.trackedTasks()));
  gauge(registry, EXPORTER_TRACKED_TASKS_LIMIT, (g) => g.set(probes.trackedTasksLimit()));
  if (build !== undefined) {
    gauge(registry, EXPORTER_BUILD_INFO).set(
      { version: build.version, nodejs_version: build.nodejsVersion },
      1,
    );
  }
  return { registry, tasks, recordCounts, evictionCounts, foldedCounts, published, deliveryLag };
}
