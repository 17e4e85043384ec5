import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARD_END } from '../../../src/checkpoints/checkpoint-store.js';
import { FileCheckpointStore } from '../../../src/checkpoints/file-checkpoint-store.js';
import {
  createStream,
  type KinesisTestServer,
  putRecords,
  splitShard,
  startKinesisServer,
  waitFor,
} from '../../helpers/kinesis-server.js';
import { makeSource, range, sorted } from './harness.js';

describe('KinesisSource with a FileCheckpointStore', () => {
  let server: KinesisTestServer;
  let dir: string;
  beforeEach(async () => {
    server = await startKinesisServer();
    dir = await mkdtemp(join(tmpdir(), 'kinesis-checkpoints-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes right after the checkpoint, also across a split made while stopped', async () => {
    const stream = 'resume';
    await createStream(server.admin, stream, 2);
    const first = range('first', 300);
    await putRecords(server.admin, stream, first);

    const client = server.client();
    const one = makeSource(client, stream, {
      checkpoints: new FileCheckpointStore({ directory: dir, stream }),
      checkpointIntervalMs: 60_000, // only the save at stop()
    });
    await one.source.start();
    await waitFor(() => one.deliveries.length >= first.length, 10_000, 'first records');
    await one.source.stop();
    expect(sorted(one.received())).toEqual(sorted(first));

    const file = JSON.parse(
      await readFile(new FileCheckpointStore({ directory: dir, stream }).path, 'utf8'),
    );
    expect(file).toMatchObject({ version: 2, stream });
    expect(Object.keys(file.shards).sort()).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ]);
    expect(typeof file.savedAt).toBe('string');

    // While no exporter runs: more records, a split, more records.
    const second = range('second', 200);
    await putRecords(server.admin, stream, second);
    await splitShard(server.admin, stream, 'shardId-000000000000');
    const third = range('third', 200);
    await putRecords(server.admin, stream, third);

    const two = makeSource(client, stream, {
      checkpoints: new FileCheckpointStore({ directory: dir, stream }),
      // The configured start applies only to shards without a checkpoint; the
      // children of the split must still be read from their start.
      startPosition: { type: 'LATEST' },
    });
    await two.source.start();
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
    const saved = await new FileCheckpointStore({ directory: dir, stream }).load();
    expect(saved.get('shardId-000000000000')).toBe(SHARD_END);
    expect(saved.get('shardId-000000000002')).toMatch(/^\d+$/);
  });

  it('with LATEST and no checkpoint delivers only records put after start', async () => {
    const stream = 'latest';
    await createStream(server.admin, stream, 2);
    await putRecords(server.admin, stream, range('old', 200));

    const client = server.client();
    const t = makeSource(client, stream, {
      checkpoints: new FileCheckpointStore({ directory: join(dir, 'fresh'), stream }),
      startPosition: { type: 'LATEST' },
    });
    await t.source.start();
    await waitFor(() => t.source.readiness().ready, 5000, 'readiness');
    const fresh = range('new', 150);
    await putRecords(server.admin, stream, fresh);
    await waitFor(() => t.deliveries.length >= fresh.length, 10_000, 'new records');
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();
    expect(sorted(t.received())).toEqual(sorted(fresh));
  });
});
