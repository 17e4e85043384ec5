/**
 * CPU, memory, file descriptors, event-loop lag and heap of the exporter's
 * own process, under the standard names of prom-client's default metrics, so
 * that "is the exporter saturated?" has an answer. Only the ones the
 * catalog lists are kept: prom-client also offers gauges named `_total`
 * (`nodejs_active_handles_total`, …) that `promtool check metrics` rejects.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { PROCESS_METRICS } from './catalog.js';

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  const kept = new Set(PROCESS_METRICS.map((m) => m.name));
  for (const metric of registry.getMetricsAsArray()) {
    const name = metric.name as string;
    if (/^(process|nodejs)_/.test(name) && !kept.has(name)) registry.removeSingleMetric(name);
  }
}
