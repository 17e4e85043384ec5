import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../../src/checkpoints/memory-checkpoint-store.js';
import {
  KINESIS_ERRORS,
  KINESIS_RECORDS_READ,
  KINESIS_SHARDS_OWNED,
} from '../../../src/metrics/catalog.js';
import { createKinesisMetrics } from '../../../src/metrics/kinesis-metrics.js';
import { KinesisSource } from '../../../src/sources/kinesis/kinesis-source.js';
import {
  createStream,
  type KinesisTestServer,
  putRecords,
  startKinesisServer,
  waitFor,
} from '../../helpers/kinesis-server.js';
import { makeSource, metricSum, range, sorted, testLogger } from './harness.js';

describe('KinesisSource on a 4-shard stream', () => {
  let server: KinesisTestServer;
  beforeEach(async () => {
    server = await startKinesisServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('delivers every record exactly once, before and while reading', async () => {
    const stream = 'four-shards';
    await createStream(server.admin, stream, 4);
    const before = range('before', 1500);
    await putRecords(server.admin, stream, before);

    const client = server.client();
    const t = makeSource(client, stream, { maxRecordsPerCall: 400 });
    await t.source.start();
    await waitFor(() => t.source.readiness().ready, 5000, 'readiness');
    expect(await metricSum(t.registry, KINESIS_SHARDS_OWNED)).toBe(4);

    const during = range('during', 600);
    for (let i = 0; i < during.length; i += 100) {
      await putRecords(server.admin, stream, during.slice(i, i + 100));
    }
    const expected = sorted([...before, ...during]);
    await waitFor(() => t.deliveries.length >= expected.length, 15_000, 'all records');
    // Checkpoints are saved at the interval, not only at stop().
    const store = t.checkpoints as MemoryCheckpointStore;
    await waitFor(async () => (await store.load()).size === 4, 2000, 'checkpoint of 4 shards');
    // Give a duplicate the chance to show up.
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();

    expect(sorted(t.received())).toEqual(expected);
    expect(new Set(t.deliveries.map((d) => d.shardId)).size).toBe(4);
    expect(await metricSum(t.registry, KINESIS_RECORDS_READ)).toBe(expected.length);
    expect(t.source.health().healthy).toBe(false); // stopped
  });

  it('counts a failing onRecords, logs it and keeps reading', async () => {
    const stream = 'throwing';
    await createStream(server.admin, stream, 1);
    await putRecords(server.admin, stream, range('a', 10));
    const client = server.client();
    const seen: number[] = [];
    const registry = new Registry();
    const metrics = createKinesisMetrics(registry);
    const source = new KinesisSource({
      client,
      stream,
      startPosition: { type: 'TRIM_HORIZON' },
      checkpoints: new MemoryCheckpointStore(),
      logger: testLogger(),
      metrics,
      idleDelayMs: 50,
      onRecords(_shardId, records) {
        seen.push(records.length);
        if (seen.length === 1) throw new Error('boom');
      },
    });
    await source.start();
    await waitFor(() => seen.length === 1, 5000, 'first batch');
    await putRecords(server.admin, stream, range('b', 5));
    await waitFor(() => seen.length === 2, 5000, 'second batch');
    await source.stop();
    client.destroy();
    expect(seen).toEqual([10, 5]);
    expect(await metricSum(registry, KINESIS_ERRORS, { operation: 'onRecords' })).toBe(1);
  });
});
