/**
 * The Kinesis metrics: named by the rules and built on the registry given,
 * never the global one. No server.
 */
import { describe, expect, it } from 'vitest';
import { KINESIS_CHECKPOINT_AGE, KINESIS_METRIC_CATALOG } from '../../../src/metrics/catalog.js';
import { MetricRegistry } from '../../../src/metrics/metric-registry.js';
import { createKinesisMetrics } from '../../../src/sources/kinesis/kinesis-metrics.js';
import { promClientText } from '../../helpers/exposition.js';

describe('Kinesis metric catalog', () => {
  it('follows the naming rules', () => {
    const names = KINESIS_METRIC_CATALOG.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of KINESIS_METRIC_CATALOG) {
      expect(spec.name).toMatch(/^ecs_events_exporter_kinesis_[a-z_]+$/);
      expect(spec.group).toBe('exporter');
      expect(spec.name.endsWith('_total')).toBe(spec.type === 'counter');
      expect(spec.help.length).toBeGreaterThan(10);
    }
  });

  it('builds every metric of the catalog but the checkpoint age on the given registry only', async () => {
    const registry = new MetricRegistry();
    const metrics = createKinesisMetrics(registry);
    // The checkpoint age is the durable state's, not the source's.
    expect(
      registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .sort(),
    ).toEqual(
      KINESIS_METRIC_CATALOG.map((m) => m.name)
        .filter((name) => name !== KINESIS_CHECKPOINT_AGE)
        .sort(),
    );
    metrics.shardLag.set({ shard_id: 'shardId-000000000000' }, 1.2);
    metrics.errors.inc({ operation: 'GetRecords', shard_id: 'shardId-000000000000', code: 'X' });
    const text = await promClientText(registry);
    expect(text).toContain(
      'ecs_events_exporter_kinesis_shard_lag_seconds{shard_id="shardId-000000000000"} 1.2',
    );
    expect(text).toContain('ecs_events_exporter_kinesis_shards_finished_total 0');
    // A second registry gets its own metrics: nothing is registered globally.
    expect(() => createKinesisMetrics(new MetricRegistry())).not.toThrow();
  });
});
