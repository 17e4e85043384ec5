/**
 * What durable state tells Prometheus: how old the saved state is, how many
 * saves failed and how many counted records wait for a save to be shown.
 * Read from the durable state's status at each scrape.
 */
import {
  KINESIS_CHECKPOINT_AGE,
  STATE_CLEANUP_FAILURES,
  STATE_SAVE_FAILURES,
  STATE_UNSAVED_RECORDS,
} from '../metrics/catalog.js';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import { collected } from '../metrics/plain-metrics.js';
import type { SaveStatus } from './durable-state.js';

export function registerStateMetrics(
  registry: MetricRegistry,
  status: () => SaveStatus,
  now: () => number = Date.now,
): void {
  // Counted from registration (the start) until the state is first current.
  const startMs = now();
  collected(registry, KINESIS_CHECKPOINT_AGE, 'gauge', () => {
    const current = status().currentMs ?? startMs;
    return [[{}, Math.max(0, (now() - current) / 1000)]];
  });
  collected(registry, STATE_SAVE_FAILURES, 'counter', () => [[{}, status().failures]]);
  collected(registry, STATE_UNSAVED_RECORDS, 'gauge', () => [[{}, status().unsavedRecords]]);
  collected(registry, STATE_CLEANUP_FAILURES, 'counter', () => [[{}, status().cleanupFailures]]);
}
