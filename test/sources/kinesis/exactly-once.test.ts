/**
 * KinesisSource on a 4-shard kinesalite stream: every record delivered
 * exactly once before and while reading, once across a crash restarted from
 * positions saved with the counts, and a failing sink counted, not fatal.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../src/base/position.js';
import {
  KINESIS_ERRORS,
  KINESIS_RECORDS_READ,
  KINESIS_SHARDS_OWNED,
} from '../../../src/metrics/catalog.js';
import type { RecordSink } from '../../../src/sources/source.js';
import { createStream, putRecords, waitFor } from '../../helpers/kinesis-server.js';
import { makeSource, metricSum, range, shardsOf, sorted, useKinesisServer } from './harness.js';

/** A sink that counts each record, as the pipeline counts events. */
function countingSink(initial: ReadonlyMap<string, number> = new Map()) {
  const counts = new Map(initial);
  const decoder = new TextDecoder();
  const sink: RecordSink = {
    records(batch) {
      for (const data of batch) {
        const text = typeof data === 'string' ? data : decoder.decode(data);
        counts.set(text, (counts.get(text) ?? 0) + 1);
      }
    },
    oversized() {},
  };
  const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
  return { sink, counts, total };
}

describe('KinesisSource on a 4-shard stream', () => {
  const kinesis = useKinesisServer();

  it('delivers every record exactly once, before and while reading', async () => {
    const stream = 'four-shards';
    await createStream(kinesis().admin, stream, 4);
    const before = range('before', 1500);
    await putRecords(kinesis().admin, stream, before);

    const client = kinesis().client();
    const t = makeSource(client, stream, { maxRecordsPerCall: 400 });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    expect(await metricSum(t.registry, KINESIS_SHARDS_OWNED)).toBe(4);

    const during = range('during', 600);
    for (let i = 0; i < during.length; i += 100) {
      await putRecords(kinesis().admin, stream, during.slice(i, i + 100));
    }
    const expected = sorted([...before, ...during]);
    await waitFor(() => t.deliveries.length >= expected.length, 15_000, 'all records');
    // The position holds every shard while reading, not only after stop().
    expect(t.positions().size).toBe(4);
    // Give a duplicate the chance to show up.
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();

    expect(sorted(t.received())).toEqual(expected);
    expect(new Set(t.deliveries.map((d) => d.shardId)).size).toBe(4);
    expect(await metricSum(t.registry, KINESIS_RECORDS_READ)).toBe(expected.length);
    expect(t.source.health().ok).toBe(false); // stopped
  });

  it('counts each record once across a crash, restarted from positions saved with the counts', async () => {
    const stream = 'crash';
    await createStream(kinesis().admin, stream, 4);
    const all = range('r', 600);
    await putRecords(kinesis().admin, stream, all.slice(0, 300));

    const client = kinesis().client();
    const one = makeSource(client, stream, { maxRecordsPerCall: 25 });
    const counting = countingSink();
    // What durable state does: position and counts captured in one synchronous step.
    let saved: { position: Json; counts: Map<string, number> } | undefined;
    const saver = setInterval(() => {
      saved = { position: one.source.position(), counts: new Map(counting.counts) };
    }, 20);
    await one.source.start(counting.sink, undefined);
    await waitFor(() => counting.total() >= 150, 10_000, 'some records counted');
    clearInterval(saver);
    const savedCounts = saved?.counts.size ?? 0;
    // Read on after the last save; a crash now loses all of that.
    await putRecords(kinesis().admin, stream, all.slice(300, 450));
    await waitFor(() => counting.total() > savedCounts + 100, 10_000, 'records after the save');
    await one.source.stop();
    expect(saved).toBeDefined();
    const restored = saved as { position: Json; counts: Map<string, number> };
    expect(Object.keys(shardsOf(restored.position)).length).toBeGreaterThan(0);

    const two = makeSource(client, stream, { maxRecordsPerCall: 25 });
    expect(two.source.checkPosition(restored.position)).toBeUndefined();
    const again = countingSink(restored.counts);
    await two.source.start(again.sink, restored.position);
    await putRecords(kinesis().admin, stream, all.slice(450));
    await waitFor(() => again.total() >= all.length, 10_000, 'every record counted');
    await new Promise((r) => setTimeout(r, 300));
    await two.source.stop();
    client.destroy();

    expect(sorted([...again.counts.keys()])).toEqual(sorted(all));
    expect([...again.counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('counts a failing sink, logs it and keeps reading', async () => {
    const stream = 'throwing';
    await createStream(kinesis().admin, stream, 1);
    await putRecords(kinesis().admin, stream, range('a', 10));
    const client = kinesis().client();
    const seen: number[] = [];
    const { source, registry } = makeSource(client, stream);
    const sink: RecordSink = {
      records(batch) {
        seen.push(batch.length);
        if (seen.length === 1) throw new Error('boom');
      },
      oversized() {},
    };
    await source.start(sink, undefined);
    await waitFor(() => seen.length === 1, 5000, 'first batch');
    await putRecords(kinesis().admin, stream, range('b', 5));
    await waitFor(() => seen.length === 2, 5000, 'second batch');
    await source.stop();
    client.destroy();
    expect(seen).toEqual([10, 5]);
    expect(await metricSum(registry, KINESIS_ERRORS, { operation: 'onRecords' })).toBe(1);
    // The failed batch still moved the position on: it is not read again.
    expect(Object.keys(shardsOf(source.position()))).toEqual(['shardId-000000000000']);
  });
});
