/**
 * What durable state tells Prometheus: how old the saved state is, how many
 * saves failed and how many counted records wait for a save to be shown.
 * Read from the durable state's status at each scrape.
 */
import {
  KINESIS_CHECKPOINT_AGE,
  STATE_SAVE_FAILURES,
  STATE_UNSAVED_RECORDS,
} from '../metrics/catalog.js';
import { counter, gauge } from '../metrics/collectors.js';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import type { SaveStatus } from './durable-state.js';

export function registerStateMetrics(
  registry: MetricRegistry,
  status: () => SaveStatus,
  now: () => number = Date.now,
): void {
  // Counted from registration (the start) until the state is first current.
  const startMs = now();
  gauge(registry, KINESIS_CHECKPOINT_AGE, (g) => {
    const current = status().currentMs ?? startMs;
    g.set(Math.max(0, (now() - current) / 1000));
  });
  counter(registry, STATE_SAVE_FAILURES, (c) => {
    c.reset();
    c.inc(status().failures);
  });
  gauge(registry, STATE_UNSAVED_RECORDS, (g) => g.set(status().unsavedRecords));
}
