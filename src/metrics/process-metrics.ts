/**
 * CPU, memory, file descriptors, event-loop lag and heap of the exporter's
 * own process, under the standard names of prom-client's default metrics, so
 * that "is the exporter saturated?" has an answer. Only the ones the
 * catalog lists are kept: prom-client also offers gauges named `_total`
 * (`nodejs_active_handles_total`, …) that `promtool check metrics` rejects.
 * Only the serving commands load this (and prom-client with it).
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { packageVersion } from '../version.js';
import { PROCESS_METRICS } from './catalog.js';
import type { MetricRegistry } from './metric-registry.js';
import type { LiveMetrics } from './self-metrics.js';

export function registerProcessMetrics(registry: MetricRegistry): void {
  // prom-client's collectors register by calling `registerMetric` on it.
  collectDefaultMetrics({ register: registry as unknown as Registry });
  const kept = new Set(PROCESS_METRICS.map((m) => m.name));
  for (const metric of registry.getMetricsAsArray()) {
    const name = metric.name;
    if (/^(process|nodejs)_/.test(name) && !kept.has(name)) registry.removeSingleMetric(name);
  }
}

/** What a serving command's counting adds: this build and this process. */
export function liveMetrics(): LiveMetrics {
  return { version: packageVersion(), nodejsVersion: process.version, registerProcessMetrics };
}
