/**
 * An in-memory kinesalite on 127.0.0.1 (port 0 by default) for tests, with a
 * client and small helpers to create, reshard and fill streams.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  type KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  type Shard,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { createStream, waitActive } from '../../src/simulator/local-kinesis.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';

export { createStream, waitActive };

const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite') as (options?: Record<string, unknown>) => Server;

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

export interface KinesisTestServer {
  readonly port: number;
  readonly endpoint: string;
  /** A client for the test itself (SDK retries on, unlike the source's). */
  readonly admin: KinesisClient;
  /** A new client as the exporter would make it. */
  client(options?: { maxAttempts?: number }): KinesisClient;
  /** Stops listening (kinesalite drops its in-memory streams). */
  stop(): Promise<void>;
  /** Listens again on the same port, with no streams. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections?.();
  });
}

export async function startKinesisServer(
  options: { createStreamMs?: number; updateStreamMs?: number; deleteStreamMs?: number } = {},
): Promise<KinesisTestServer> {
  const server = kinesalite({
    createStreamMs: options.createStreamMs ?? 20,
    updateStreamMs: options.updateStreamMs ?? 20,
    deleteStreamMs: options.deleteStreamMs ?? 20,
    shardLimit: 100,
  });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const makeClient = (maxAttempts = 1): KinesisClient =>
    createKinesisClient({
      endpoint,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts,
      connectionTimeoutMs: 1000,
      requestTimeoutMs: 5000,
    });
  const admin = makeClient(3);
  let listening = true;
  return {
    port,
    endpoint,
    admin,
    client: (o = {}) => makeClient(o.maxAttempts ?? 1),
    async stop() {
      if (!listening) return;
      listening = false;
      await closeServer(server);
    },
    async restart() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async close() {
      admin.destroy();
      if (listening) {
        listening = false;
        await closeServer(server);
      }
    },
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
  pollMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const out = await client.send(new ListShardsCommand({ StreamName: stream }));
  return out.Shards ?? [];
}

export function randomPartitionKey(): string {
  return randomBytes(8).toString('hex');
}

/** Puts records (strings) in batches of up to 500; each with a random partition key unless given. */
export async function putRecords(
  client: KinesisClient,
  stream: string,
  items: readonly (string | { data: string; partitionKey: string })[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    const chunk = items
      .slice(i, i + 500)
      .map((item) =>
        typeof item === 'string'
          ? { Data: Buffer.from(item), PartitionKey: randomPartitionKey() }
          : { Data: Buffer.from(item.data), PartitionKey: item.partitionKey },
      );
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: chunk }));
    if ((out.FailedRecordCount ?? 0) > 0) {
      throw new Error(`${out.FailedRecordCount} records failed to put`);
    }
  }
}

/** Splits a shard at the middle of its hash key range and waits for ACTIVE. */
export async function splitShard(
  client: KinesisClient,
  stream: string,
  shardId: string,
): Promise<void> {
  const shard = (await listShards(client, stream)).find((s) => s.ShardId === shardId);
  const range = shard?.HashKeyRange;
  if (range?.StartingHashKey === undefined || range.EndingHashKey === undefined) {
    throw new Error(`shard ${shardId} not found`);
  }
  const middle = (BigInt(range.StartingHashKey) + BigInt(range.EndingHashKey)) / 2n;
  await client.send(
    new SplitShardCommand({
      StreamName: stream,
      ShardToSplit: shardId,
      NewStartingHashKey: middle.toString(),
    }),
  );
  await waitActive(client, stream);
}

export async function mergeShards(
  client: KinesisClient,
  stream: string,
  shardId: string,
  adjacentShardId: string,
): Promise<void> {
  await client.send(
    new MergeShardsCommand({
      StreamName: stream,
      ShardToMerge: shardId,
      AdjacentShardToMerge: adjacentShardId,
    }),
  );
  await waitActive(client, stream);
}

/** Two open shards whose hash key ranges touch. */
export async function adjacentOpenShards(
  client: KinesisClient,
  stream: string,
): Promise<[string, string]> {
  const open = (await listShards(client, stream))
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .sort((a, b) => {
      const x = BigInt(a.HashKeyRange?.StartingHashKey ?? '0');
      const y = BigInt(b.HashKeyRange?.StartingHashKey ?? '0');
      return x < y ? -1 : x > y ? 1 : 0;
    });
  for (let i = 0; i + 1 < open.length; i += 1) {
    const a = open[i];
    const b = open[i + 1];
    if (
      a?.ShardId !== undefined &&
      b?.ShardId !== undefined &&
      BigInt(a.HashKeyRange?.EndingHashKey ?? '-1') + 1n ===
        BigInt(b.HashKeyRange?.StartingHashKey ?? '0')
    ) {
      return [a.ShardId, b.ShardId];
    }
  }
  throw new Error('no adjacent open shards');
}

/** The environment that points `ecs-events-exporter run` at `server`, as the SDK reads it. */
export function exporterEnv(server: KinesisTestServer): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: server.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  };
}
