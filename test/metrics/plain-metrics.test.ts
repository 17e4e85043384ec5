/**
 * Self metrics built without prom-client give prom-client's samples, and are
 * refused when built against the catalog wrongly.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  EXPORTER_EVENT_DELIVERY_LAG,
  EXPORTER_LAST_EVENT_TIMESTAMP,
  EXPORTER_RECORDS,
  EXPORTER_TRACKED_TASKS,
  metricSpec,
} from '../../src/metrics/catalog.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import { MetricRegistry } from '../../src/metrics/metric-registry.js';
import { collected, PlainHistogram } from '../../src/metrics/plain-metrics.js';
import { SeriesStore } from '../../src/metrics/series-store.js';

const NO_SERIES = new SeriesStore([], { labels: {}, maxSeriesPerMetric: 1, folded: () => {} });

const text = async (registry: MetricRegistry) =>
  Buffer.concat(await renderExposition(registry, NO_SERIES, 'text')).toString('utf8');

const promOptions = (name: string) => {
  const spec = metricSpec(name);
  return { name, help: spec.help, labelNames: [...spec.labelNames] };
};

describe('self metrics without prom-client', () => {
  it("give the samples prom-client's own classes give for the same values", async () => {
    const observations = [0, 0.5, 0.5000001, 0.1 + 0.2, 3, 3600, 3600.5, 1e6, 1e-9, 7.25];
    const records = { processed: 7, duplicate: 0, invalid: 2, ignored: 1 };

    const ours = new MetricRegistry();
    collected(ours, EXPORTER_RECORDS, 'counter', () =>
      Object.entries(records).map(([result, n]) => [{ result }, n] as const),
    );
    const lag = new PlainHistogram(ours, EXPORTER_EVENT_DELIVERY_LAG);
    for (const value of observations) lag.observe(value);
    // A gauge without labels never set, and one set.
    collected(ours, EXPORTER_LAST_EVENT_TIMESTAMP, 'gauge', () => []);
    collected(ours, EXPORTER_TRACKED_TASKS, 'gauge', () => [[{}, 42]]);

    const prom = new Registry();
    const counter = new Counter({ ...promOptions(EXPORTER_RECORDS), registers: [prom] });
    for (const [result, n] of Object.entries(records)) counter.inc({ result }, n);
    const histogram = new Histogram({
      ...promOptions(EXPORTER_EVENT_DELIVERY_LAG),
      buckets: [...(metricSpec(EXPORTER_EVENT_DELIVERY_LAG).buckets ?? [])],
      registers: [prom],
    });
    for (const value of observations) histogram.observe(value);
    new Gauge({ ...promOptions(EXPORTER_LAST_EVENT_TIMESTAMP), registers: [prom] });
    new Gauge({ ...promOptions(EXPORTER_TRACKED_TASKS), registers: [prom] }).set(42);

    const expected = await prom.metrics();
    expect(expected).toContain(
      'ecs_events_exporter_event_delivery_lag_seconds_bucket{le="+Inf"} 10',
    );
    expect(await text(ours)).toBe(expected);
  });

  it('are refused when built against the catalog wrongly', () => {
    const registry = new MetricRegistry();
    expect(() => collected(registry, EXPORTER_RECORDS, 'gauge', () => [])).toThrow(/counter/);
    expect(() => new PlainHistogram(registry, EXPORTER_RECORDS)).toThrow(/not a histogram/);
    collected(registry, EXPORTER_RECORDS, 'counter', () => []);
    expect(() => collected(registry, EXPORTER_RECORDS, 'counter', () => [])).toThrow(
      /already registered/,
    );
  });
});
