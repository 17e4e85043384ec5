/**
 * KinesisSource on kinesalite across a split and a merge: every record
 * exactly once, each partition key in order, children after their parents.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KINESIS_SHARDS_FINISHED } from '../../../src/metrics/catalog.js';
import { SHARD_END } from '../../../src/sources/kinesis/checkpointer.js';
import {
  adjacentOpenShards,
  createStream,
  type KinesisTestServer,
  listShards,
  mergeShards,
  putRecords,
  splitShard,
  startKinesisServer,
  waitFor,
} from '../../helpers/kinesis-server.js';
import {
  expectChildrenAfterParents,
  expectOrderPerKey,
  makeSource,
  metricSum,
  sorted,
} from './harness.js';

const KEYS = Array.from({ length: 48 }, (_, i) => `pk-${i}`);

/** Records `pk:n`, n counting up per partition key across all batches. */
function batchMaker() {
  const next = new Map<string, number>();
  const all: string[] = [];
  return {
    all,
    make(count: number) {
      const out: { data: string; partitionKey: string }[] = [];
      for (let i = 0; i < count; i += 1) {
        const key = KEYS[Math.floor(Math.random() * KEYS.length)] ?? 'pk-0';
        const n = next.get(key) ?? 0;
        next.set(key, n + 1);
        const data = `${key}:${n}`;
        all.push(data);
        out.push({ data, partitionKey: key });
      }
      return out;
    },
  };
}

describe('KinesisSource across a split and a merge', () => {
  let server: KinesisTestServer;
  beforeEach(async () => {
    server = await startKinesisServer({ updateStreamMs: 100 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('delivers exactly once and keeps each partition key in order', async () => {
    const stream = 'reshard';
    await createStream(server.admin, stream, 2);
    const batches = batchMaker();
    await putRecords(server.admin, stream, batches.make(400));

    const client = server.client();
    const t = makeSource(client, stream, { maxRecordsPerCall: 50 });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    await putRecords(server.admin, stream, batches.make(200));

    await splitShard(server.admin, stream, 'shardId-000000000000');
    await putRecords(server.admin, stream, batches.make(300));
    const [a, b] = await adjacentOpenShards(server.admin, stream);
    await mergeShards(server.admin, stream, a, b);
    await putRecords(server.admin, stream, batches.make(300));

    const expected = sorted(batches.all);
    await waitFor(() => t.deliveries.length >= expected.length, 20_000, 'all records');
    await new Promise((r) => setTimeout(r, 400));
    await t.source.stop();
    client.destroy();

    expect(sorted(t.received())).toEqual(expected);
    expectOrderPerKey(t.deliveries);

    const shards = await listShards(server.admin, stream);
    const parentsOf = new Map(
      shards.map((s) => [
        s.ShardId ?? '',
        [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
      ]),
    );
    expectChildrenAfterParents(t.deliveries, parentsOf);
    const closed = shards
      .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined)
      .map((s) => s.ShardId ?? '');
    expect(closed).toHaveLength(3); // the split parent and the two merged shards
    const saved = t.positions();
    for (const id of closed) expect(saved.get(id)).toBe(SHARD_END);
    expect(await metricSum(t.registry, KINESIS_SHARDS_FINISHED)).toBe(3);
  });
});
