/**
 * ShardLister on kinesalite: every shard across pages, the retention period,
 * and a missing stream.
 */
import { describe, expect, it } from 'vitest';
import { ShardLister } from '../../../src/sources/kinesis/lister.js';
import { createStream } from '../../helpers/kinesis-server.js';
import { useKinesisServer } from './harness.js';

describe('ShardLister', () => {
  const kinesis = useKinesisServer();

  it('lists every shard across pages and reads the retention period', async () => {
    await createStream(kinesis().admin, 'listed', 5);
    const client = kinesis().client();
    const lister = new ShardLister({ client, stream: 'listed', pageSize: 2 });
    const shards = await lister.listShards();
    expect(shards.map((s) => s.id)).toEqual([0, 1, 2, 3, 4].map((n) => `shardId-00000000000${n}`));
    expect(shards.every((s) => !s.closed && s.parents.length === 0)).toBe(true);
    expect(await lister.describeRetentionMs()).toBe(24 * 3_600_000);
    const missing = new ShardLister({ client, stream: 'missing' });
    expect(await missing.describeRetentionMs()).toBeUndefined();
    client.destroy();
  });
});
