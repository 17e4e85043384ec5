/**
 * The split and merge scenario against kinesis-local, addressed by stream ARN
 * and with ListShards paginated. Needs kinesis-local (devDependency
 * `kinesis-local`, or KINESIS_LOCAL_MAIN=/path/to/main.js): under CI it fails
 * without it, elsewhere it is skipped with a warning (test/helpers/tools.ts).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKinesisClient } from '../../../src/sources/kinesis/kinesis-client.js';
import {
  adjacentOpenShards,
  createStream,
  listShards,
  mergeShards,
  putRecords,
  splitShard,
  TEST_CREDENTIALS,
  waitFor,
} from '../../helpers/kinesis-server.js';
import { describeWith, tool } from '../../helpers/tools.js';
import { expectChildrenAfterParents, expectOrderPerKey, makeSource, sorted } from './harness.js';
import {
  findKinesisLocal,
  type KinesisLocalServer,
  startKinesisLocal,
} from './kinesis-local-server.js';

const main = findKinesisLocal();
const kinesisLocal = tool(
  'kinesis-local',
  main !== undefined,
  'npm ci installs it (devDependency kinesis-local), or set KINESIS_LOCAL_MAIN=/path/to/main.js',
);

describeWith(kinesisLocal)('KinesisSource against kinesis-local', () => {
  let server: KinesisLocalServer;
  let admin: KinesisClient;
  const client = (maxAttempts: number) =>
    createKinesisClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts,
      requestTimeoutMs: 5000,
    });
  beforeAll(async () => {
    server = await startKinesisLocal(main ?? '');
    admin = client(3);
  }, 30_000);
  afterAll(async () => {
    admin?.destroy();
    await server?.close();
  });

  it('reads across a split and a merge, by ARN, exactly once and in order per key', async () => {
    const stream = 'kl-reshard';
    await createStream(admin, stream, 3);
    const summary = await admin.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const arn = summary.StreamDescriptionSummary?.StreamARN ?? '';
    expect(arn).toMatch(/^arn:aws:kinesis:/);

    const next = new Map<string, number>();
    const all: string[] = [];
    const batch = (count: number) =>
      Array.from({ length: count }, () => {
        const key = `pk-${Math.floor(Math.random() * 40)}`;
        const n = next.get(key) ?? 0;
        next.set(key, n + 1);
        all.push(`${key}:${n}`);
        return { data: `${key}:${n}`, partitionKey: key };
      });

    await putRecords(admin, stream, batch(300));
    const sourceClient = client(1);
    const t = makeSource(sourceClient, arn, { maxRecordsPerCall: 50, listShardsPageSize: 2 });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 10_000, 'readiness');
    await putRecords(admin, stream, batch(200));
    await splitShard(admin, stream, 'shardId-000000000000');
    await putRecords(admin, stream, batch(200));
    const [a, b] = await adjacentOpenShards(admin, stream);
    await mergeShards(admin, stream, a, b);
    await putRecords(admin, stream, batch(200));

    await waitFor(() => t.deliveries.length >= all.length, 30_000, 'all records');
    await new Promise((r) => setTimeout(r, 400));
    await t.source.stop();
    sourceClient.destroy();

    expect(sorted(t.received())).toEqual(sorted(all));
    expectOrderPerKey(t.deliveries);
    const shards = await listShards(admin, stream);
    expectChildrenAfterParents(
      t.deliveries,
      new Map(
        shards.map((s) => [
          s.ShardId ?? '',
          [s.ParentShardId, s.AdjacentParentShardId].filter(
            (p): p is string => typeof p === 'string',
          ),
        ]),
      ),
    );
    expect(t.source.readiness().ok).toBe(false); // stopped
  }, 60_000);
});
