/**
 * The series store's families on a registry, each in its place in the
 * exposition. Scrapes render them straight from the store
 * (exposition.ts); `get()` gives the same samples as prom-client's shape,
 * for backfill and for the test that compares the renderer with prom-client.
 */
import type { MetricData, MetricRegistry, MetricSample } from './metric-registry.js';
import type { Family, SeriesStore } from './series-store.js';

function samples(store: SeriesStore, family: Family): MetricSample[] {
  const { name, labelNames } = family.spec;
  const out: MetricSample[] = [];
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

/** Registers one family of the store on `registry`, in its place in the exposition. */
export function registerFamily(registry: MetricRegistry, store: SeriesStore, family: Family): void {
  const { name, help, type } = family.spec;
  const head = { name, help, type, aggregator: 'sum' };
  const metric = {
    ...head,
    get: (): MetricData => ({ ...head, values: samples(store, family) }),
    reset: () => {},
  };
  STORE_FAMILIES.set(metric, family);
  registry.registerMetric(metric);
}
