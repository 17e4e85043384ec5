/**
 * Builds the prom-client metrics of the catalog on a registry passed in
 * (never the global one). Throws at build time for a metric missing from the
 * catalog, so a typo cannot surface first on a live scrape.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  EXPORTER_BUILD_INFO,
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_TASK_STATE_EVICTIONS,
  EXPORTER_TRACKED_TASKS,
  EXPORTER_TRACKED_TASKS_LIMIT,
  metricSpec,
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
} from './catalog.js';

function counter(registry: Registry, name: string): Counter {
  const spec = metricSpec(name);
  if (spec.type !== 'counter') throw new Error(`${name} is a ${spec.type}, not a counter`);
  return new Counter({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
  });
}

function gauge(registry: Registry, name: string, collect?: (g: Gauge) => void): Gauge {
  const spec = metricSpec(name);
  if (spec.type !== 'gauge') throw new Error(`${name} is a ${spec.type}, not a gauge`);
  return new Gauge({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
    ...(collect === undefined
      ? {}
      : {
          collect(this: Gauge) {
            collect(this);
          },
        }),
  });
}

/**
 * Task durations come from millisecond timestamps, so every sum is a whole
 * number of milliseconds; floating-point addition makes its last bits depend
 * on the order of observations. Rendering the sum rounded to the millisecond
 * gives the same text for the same observations in any order.
 */
class MillisecondHistogram extends Histogram {
  override async get() {
    return roundSums(await super.get());
  }

  /** What the registry renders from (prom-client 15); not in its typings. */
  async getForPromString() {
    const base = (Histogram.prototype as unknown as { getForPromString(): Promise<MetricData> })
      .getForPromString;
    return roundSums(await base.call(this));
  }
}

type MetricData = { values: { metricName?: string; value: number }[] };

function roundSums<T extends MetricData>(metric: T): T {
  for (const value of metric.values) {
    if (value.metricName?.endsWith('_sum')) value.value = Math.round(value.value * 1000) / 1000;
  }
  return metric;
}

function histogram(registry: Registry, name: string, exactMs = false): Histogram {
  const spec = metricSpec(name);
  if (spec.type !== 'histogram' || spec.buckets === undefined) {
    throw new Error(`${name} is a ${spec.type} without buckets, not a histogram`);
  }
  return new (exactMs ? MillisecondHistogram : Histogram)({
    name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    buckets: [...spec.buckets],
    registers: [registry],
  });
}

/** Values read at scrape time rather than pushed on every record. */
export interface MetricsProbes {
  /** Newest event time seen, ms since the epoch; not finite before any. */
  newestEventMs(): number;
  trackedTasks(): number;
  trackedTasksLimit(): number;
}

export interface ExporterMetrics {
  readonly registry: Registry;
  readonly transitions: Counter;
  readonly stopped: Counter;
  readonly imagePull: Histogram;
  readonly startup: Histogram;
  readonly run: Histogram;
  readonly records: Counter;
  readonly deliveryLag: Histogram;
  readonly evictions: Counter;
}

export function createMetrics(
  registry: Registry,
  probes: MetricsProbes,
  build: { version: string; nodejsVersion: string } | undefined,
): ExporterMetrics {
  const metrics: ExporterMetrics = {
    registry,
    transitions: counter(registry, TASK_STATE_TRANSITIONS),
    stopped: counter(registry, TASK_STOPPED),
    imagePull: histogram(registry, TASK_IMAGE_PULL_DURATION, true),
    startup: histogram(registry, TASK_STARTUP_DURATION, true),
    run: histogram(registry, TASK_RUN_DURATION, true),
    records: counter(registry, EXPORTER_RECORDS),
    deliveryLag: histogram(registry, EXPORTER_EVENT_DELIVERY_LAG),
    evictions: counter(registry, EXPORTER_TASK_STATE_EVICTIONS),
  };
  for (const result of ['processed', 'duplicate', 'invalid', 'ignored']) {
    metrics.records.inc({ result }, 0);
  }
  for (const cause of ['capacity', 'retention']) metrics.evictions.inc({ cause }, 0);
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
  return metrics;
}
