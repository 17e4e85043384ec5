/**
 * The ordered list of metrics an exposition renders, in registration order.
 * It has the shape prom-client's metric classes register on (they call
 * `registerMetric` on each of their `registers`), so the Kinesis, state and
 * process metrics built with prom-client sit beside the store's families
 * and the self metrics, which need no prom-client at all (a replay never
 * loads it). Every registry is built with `new MetricRegistry()` and passed
 * down; there is no global one.
 */

/** One sample of a metric, as prom-client's `get()` gives it. */
export interface MetricSample {
  readonly metricName?: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/** A metric's help, type and samples at the time of asking. */
export interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: MetricSample[];
}

/** What a registry holds: prom-client's metric objects, and the exporter's own. */
interface RegisteredMetric {
  readonly name: string;
  get(): Promise<MetricData> | MetricData;
}

export class MetricRegistry {
  readonly #metrics = new Map<string, RegisteredMetric>();

  registerMetric(metric: RegisteredMetric): void {
    if (this.#metrics.has(metric.name)) {
      throw new Error(`a metric named ${metric.name} is already registered`);
    }
    this.#metrics.set(metric.name, metric);
  }

  getMetricsAsArray(): RegisteredMetric[] {
    return [...this.#metrics.values()];
  }

  getSingleMetric(name: string): RegisteredMetric | undefined {
    return this.#metrics.get(name);
  }

  removeSingleMetric(name: string): void {
    this.#metrics.delete(name);
  }

  /** Every metric's data, in order. */
  async getMetricsAsJSON(): Promise<MetricData[]> {
    return Promise.all(this.getMetricsAsArray().map((m) => m.get()));
  }
}
