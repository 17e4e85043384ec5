/**
 * The demo's and the compose stack's local Kinesis (kinesalite, in process
 * and as a child process): a bounded number of records however fast they are
 * put, retention, trimming to the newest records of each shard.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalKinesis,
  putEvents,
  startLocalKinesis,
} from '../../src/simulator/local-kinesis.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';

const event = (i: number) => ({
  source: 'bench',
  'detail-type': 'x',
  detail: { i, pad: 'y'.repeat(400) },
});

/** Every record of the stream's first shard, from TRIM_HORIZON (the oldest kept). */
async function readFirstShard(client: KinesisClient, stream: string) {
  const shards = await client.send(new ListShardsCommand({ StreamName: stream }));
  const iterator = await client.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shards.Shards?.[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const read = await client.send(
    new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 10_000 }),
  );
  return read.Records ?? [];
}

describe("the demo's embedded Kinesis server", () => {
  let kinesis: LocalKinesis | undefined;

  afterEach(async () => {
    await kinesis?.close();
    kinesis = undefined;
  });

  function clientOf(server: LocalKinesis) {
    return createKinesisClient({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  }

  it('keeps a bounded number of records however fast they are put, and stays readable', async () => {
    const server = await startLocalKinesis(0, {
      maxRecordsPerShard: 500,
      maxAgeMs: 10 * 60_000,
      trimIntervalMs: 100,
    });
    kinesis = server;
    const client = clientOf(server);
    await createStream(client, 'bounded', 2);
    let most = 0;
    const started = Date.now();
    let put = 0;
    // As fast as PutRecords goes: 30,000 records of about 0.5 KB.
    while (put < 30_000) {
      await putEvents(
        client,
        'bounded',
        Array.from({ length: 500 }, (_, i) => event(put + i)),
      );
      put += 500;
      if (put % 2500 === 0) most = Math.max(most, (await server.retained()).records);
    }
    const elapsedS = (Date.now() - started) / 1000;
    await server.trim();
    const after = await server.retained();
    // Between two trims (0.1 s) at most a few thousand records come in on top of the 1,000 kept.
    expect(put / elapsedS).toBeGreaterThan(1000);
    expect(most).toBeLessThan(8000);
    expect(after.records).toBe(1000);
    expect(after.bytes).toBeLessThan(2_000_000);
    // A reader at TRIM_HORIZON starts at the oldest record kept.
    expect(await readFirstShard(client, 'bounded')).toHaveLength(500);
    client.destroy();
  }, 60_000);

  it('drops records older than the retention', async () => {
    const server = await startLocalKinesis(0, {
      maxRecordsPerShard: 1_000_000,
      maxAgeMs: 1000,
      trimIntervalMs: 60_000,
    });
    kinesis = server;
    const client = clientOf(server);
    await createStream(client, 'aged', 1);
    await putEvents(
      client,
      'aged',
      Array.from({ length: 100 }, (_, i) => event(i)),
    );
    expect((await server.retained()).records).toBe(100);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await server.trim()).toBe(100);
    expect((await server.retained()).records).toBe(0);
    client.destroy();
  });
});

describe("the compose stack's Kinesis server (deploy/compose/bounded-kinesalite.cjs)", () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it('trims its streams to the newest records of each shard', async () => {
    const script = fileURLToPath(
      new URL('../../deploy/compose/bounded-kinesalite.cjs', import.meta.url),
    );
    const server = spawn(process.execPath, [script, '--port', '0', '--createStreamMs', '0'], {
      env: { ...process.env, MAX_RECORDS_PER_SHARD: '200', TRIM_INTERVAL_MS: '200' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = server;
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (d: Buffer) => {
        const m = /Listening at .*:(\d+)\s*$/m.exec(String(d));
        if (m) resolve(m[1] as string);
      });
      server.once('exit', () => reject(new Error('bounded-kinesalite exited')));
    });
    const client = createKinesisClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await createStream(client, 'compose', 1);
    await putEvents(
      client,
      'compose',
      Array.from({ length: 2000 }, (_, i) => event(i)),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const records = await readFirstShard(client, 'compose');
    expect(records).toHaveLength(200);
    expect(JSON.parse(Buffer.from(records[199]?.Data ?? []).toString()).detail.i).toBe(1999);
    client.destroy();
  }, 30_000);
});
