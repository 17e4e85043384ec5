/**
 * Counters, gauges and the one histogram of the exporter's self metrics,
 * built from the catalog without prom-client: their values are read from
 * plain numbers at scrape time, so replay and backfill render them without
 * loading it. They give the samples prom-client's classes would give for the
 * same calls (a metric without labels shows 0 until set), and the renderer
 * writes both alike; a test compares them with prom-client's own rendering.
 */
import { metricSpecOf } from './catalog.js';
import type { MetricData, MetricRegistry, MetricSample } from './metric-registry.js';
import type { MetricSpec } from './metric-spec.js';
import { bucketIndex } from './series-store.js';

function data(spec: MetricSpec, values: MetricSample[]): MetricData {
  return { name: spec.name, help: spec.help, type: spec.type, aggregator: 'sum', values };
}

/**
 * A counter or gauge of the catalog whose samples `collect` gives at each
 * scrape, as `[labels, value]` pairs in the order they are shown. One
 * without labels shows `value` 0 when `collect` gives nothing.
 */
export function collected(
  registry: MetricRegistry,
  name: string,
  type: 'counter' | 'gauge',
  collect: () => Iterable<readonly [Record<string, string>, number]>,
): void {
  const spec = metricSpecOf(name, type);
  registry.registerMetric({
    name,
    get: () => {
      const values: MetricSample[] = [];
      for (const [labels, value] of collect()) values.push({ labels, value });
      if (values.length === 0 && spec.labelNames.length === 0)
        values.push({ labels: {}, value: 0 });
      return data(spec, values);
    },
  });
}

/** A gauge of the catalog with one sample set once, e.g. build info. */
export function fixedGauge(
  registry: MetricRegistry,
  name: string,
  labels: Record<string, string>,
  value: number,
): void {
  collected(registry, name, 'gauge', () => [[labels, value]]);
}

/** What observes durations: the exporter's plain histogram, or a prom-client one. */
export interface Observer {
  observe(value: number): void;
}

/** A histogram of the catalog without labels: observed on the hot path, read at scrape time. */
export class PlainHistogram implements Observer {
  readonly #spec: MetricSpec;
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative), the last for +Inf. */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(registry: MetricRegistry, name: string) {
    this.#spec = metricSpecOf(name, 'histogram');
    if (this.#spec.buckets === undefined) throw new Error(`${name} has no buckets`);
    if (this.#spec.labelNames.length > 0) throw new Error(`${name} has labels`);
    this.#bounds = this.#spec.buckets;
    this.#counts = new Array<number>(this.#bounds.length + 1).fill(0);
    registry.registerMetric({ name, get: () => this.#data() });
  }

  observe(value: number): void {
    const i = bucketIndex(this.#bounds, value);
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
    this.#count++;
  }

  #data(): MetricData {
    const { name } = this.#spec;
    const values: MetricSample[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.#bounds.length; i++) {
      cumulative += this.#counts[i] as number;
      const le = i < this.#bounds.length ? (this.#bounds[i] as number) : '+Inf';
      values.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
    }
    values.push({ metricName: `${name}_sum`, labels: {}, value: this.#sum });
    values.push({ metricName: `${name}_count`, labels: {}, value: this.#count });
    return data(this.#spec, values);
  }
}
