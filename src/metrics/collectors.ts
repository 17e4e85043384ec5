/**
 * prom-client metrics built from the catalog, for the self metrics that are
 * pushed with labels as they happen (the Kinesis source's calls, reads and
 * lag): only `run` and `demo` load prom-client. Every metric is built on a
 * registry that is passed in; none on prom-client's global one.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricSpecOf } from './catalog.js';
import type { MetricRegistry } from './metric-registry.js';

/** prom-client registers a metric by calling `registerMetric` on each of its `registers`. */
const registers = (registry: MetricRegistry) => [registry as unknown as Registry];

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

/** The options of a catalog metric of `type` on `registry`: checked against the catalog when built. */
function optionsOf<L extends string, T>(
  registry: MetricRegistry,
  name: string,
  type: 'counter' | 'gauge',
  collect: ((metric: T) => void) | undefined,
) {
  const spec = metricSpecOf(name, type);
  return {
    name,
    help: spec.help,
    labelNames: [...spec.labelNames] as L[],
    registers: registers(registry),
    ...collectWith(collect),
  };
}

/** A counter of the catalog on `registry`; `collect` runs at every scrape. */
export function counter<L extends string = string>(
  registry: MetricRegistry,
  name: string,
  collect?: (c: Counter<L>) => void,
): Counter<L> {
  return new Counter<L>(optionsOf<L, Counter<L>>(registry, name, 'counter', collect));
}

/** A gauge of the catalog on `registry`; `collect` runs at every scrape. */
export function gauge<L extends string = string>(
  registry: MetricRegistry,
  name: string,
  collect?: (g: Gauge<L>) => void,
): Gauge<L> {
  return new Gauge<L>(optionsOf<L, Gauge<L>>(registry, name, 'gauge', collect));
}
