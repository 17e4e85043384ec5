/**
 * prom-client metrics built from the catalog, and the collectors that render
 * the series store through a registry at scrape time. Every metric is built
 * on a registry that is passed in; none on prom-client's global one.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { metricSpec } from './catalog.js';
import type { MetricSpec, MetricType } from './metric-spec.js';
import type { Family, SeriesStore } from './series-store.js';

function specOf(name: string, type: MetricType): MetricSpec {
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

/** A histogram of the catalog on `registry`. */
export function histogram(registry: Registry, name: string): Histogram {
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

interface SampleValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The shape the registry renders: what prom-client's own metric classes provide. */
interface CollectorMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: SampleValue[];
  }>;
  reset(): void;
}

function samples(store: SeriesStore, family: Family): SampleValue[] {
  const { name, labelNames } = family.spec;
  const out: SampleValue[] = [];
  for (const series of store.shown(family)) {
    const labels: Record<string, string> = {};
    labelNames.forEach((label, i) => {
      labels[label] = series.values[i] as string;
    });
    if (!family.isHistogram) {
      out.push({ labels, value: series.value });
      continue;
    }
    const bounds = family.boundsMs;
    let cumulative = 0;
    for (let i = 0; i <= bounds.length; i++) {
      cumulative += series.counts[i] as number;
      const le = i < bounds.length ? (bounds[i] as number) / 1000 : '+Inf';
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
    }
    out.push({ metricName: `${name}_sum`, labels, value: series.sumMs / 1000 });
    out.push({ metricName: `${name}_count`, labels, value: series.value });
  }
  return out;
}

const STORE_FAMILIES = new WeakMap<object, Family>();

/** The store family a registry metric stands for, if it is one (see registerFamily). */
export function storeFamilyOf(metric: object): Family | undefined {
  return STORE_FAMILIES.get(metric);
}

/**
 * Registers one family of the store on `registry`, in its place in the
 * exposition. Scrapes render it straight from the store (exposition.ts);
 * prom-client's own `registry.metrics()` still renders it through `get()`.
 */
export function registerFamily(registry: Registry, store: SeriesStore, family: Family): void {
  const { name, help } = family.spec;
  const type = family.spec.type;
  const metric: CollectorMetric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples(store, family) }),
    reset: () => {},
  };
  STORE_FAMILIES.set(metric, family);
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
