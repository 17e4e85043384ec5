/**
 * KinesisSource restarted from its position on kinesalite: right after the
 * checkpoint, across a split made while stopped, and LATEST with no position.
 */
import { describe, expect, it } from 'vitest';
import { SHARD_END } from '../../../src/sources/kinesis/checkpointer.js';
import { createStream, putRecords, splitShard, waitFor } from '../../helpers/kinesis-server.js';
import { makeSource, range, sorted, useKinesisServer } from './harness.js';

describe('KinesisSource restarted from its position', () => {
  const kinesis = useKinesisServer();

  it('resumes right after the checkpoint, also across a split made while stopped', async () => {
    const stream = 'resume';
    await createStream(kinesis().admin, stream, 2);
    const first = range('first', 300);
    await putRecords(kinesis().admin, stream, first);

    const client = kinesis().client();
    const one = makeSource(client, stream);
    await one.start();
    await waitFor(() => one.deliveries.length >= first.length, 10_000, 'first records');
    await one.source.stop();
    expect(sorted(one.received())).toEqual(sorted(first));

    // Saved after stop, as the caller does; a JSON round trip, as on disk.
    const saved = JSON.parse(JSON.stringify(one.source.position()));
    expect(saved.stream).toBe(stream);
    expect(Object.keys(saved.shards)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(Object.values(saved.shards).every((p) => /^\d+$/.test(String(p)))).toBe(true);

    // While no exporter runs: more records, a split, more records.
    const second = range('second', 200);
    await putRecords(kinesis().admin, stream, second);
    await splitShard(kinesis().admin, stream, 'shardId-000000000000');
    const third = range('third', 200);
    await putRecords(kinesis().admin, stream, third);

    const two = makeSource(client, stream, {
      // The configured start applies only to shards without a position; the
      // children of the split must still be read from their start.
      startPosition: { type: 'LATEST' },
    });
    expect(two.source.checkPosition(saved)).toBeUndefined();
    await two.start(saved);
    const expected = sorted([...second, ...third]);
    await waitFor(
      () => two.deliveries.length >= expected.length,
      10_000,
      'records after checkpoint',
    );
    await new Promise((r) => setTimeout(r, 300));
    await two.source.stop();
    client.destroy();
    expect(sorted(two.received())).toEqual(expected);
    const after = two.positions();
    expect(after.get('shardId-000000000000')).toBe(SHARD_END);
    expect(after.get('shardId-000000000002')).toMatch(/^\d+$/);
  });

  it('with LATEST and no position delivers only records put after start', async () => {
    const stream = 'latest';
    await createStream(kinesis().admin, stream, 2);
    await putRecords(kinesis().admin, stream, range('old', 200));

    const client = kinesis().client();
    const t = makeSource(client, stream, { startPosition: { type: 'LATEST' } });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    const fresh = range('new', 150);
    await putRecords(kinesis().admin, stream, fresh);
    await waitFor(() => t.deliveries.length >= fresh.length, 10_000, 'new records');
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();
    expect(sorted(t.received())).toEqual(sorted(fresh));
  });
});
