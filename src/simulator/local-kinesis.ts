/**
 * An in-process Kinesis-API server (kinesalite, in memory) on 127.0.0.1 and
 * a producer that writes events into it the way EventBridge does: one event
 * per record, under a random partition key. The demo's embedded default; never
 * used against real AWS. kinesalite is a development dependency, loaded only
 * when the server starts: the production install has none.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';

type Kinesalite = (options?: Record<string, unknown>) => Server;

export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalKinesis {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The embedded server cannot start here: kinesalite is not installed. */
export class LocalKinesisUnavailable extends Error {}

async function loadKinesalite(): Promise<Kinesalite> {
  try {
    return (await import('kinesalite')).default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new LocalKinesisUnavailable(
      "the demo's embedded Kinesis-API server (kinesalite) is a development dependency and is not installed: run `npm ci` in a clone of the repository, or give `--kinesis-endpoint URL` of a running Kinesis-API server",
      { cause: err },
    );
  }
}

export async function startLocalKinesis(port = 0): Promise<LocalKinesis> {
  const kinesalite = await loadKinesalite();
  const server = kinesalite({
    createStreamMs: 50,
    updateStreamMs: 50,
    deleteStreamMs: 50,
    shardLimit: 100,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** Waits (up to 10 s) until the stream is ACTIVE, as after a create, split or merge. */
export async function waitActive(client: KinesisClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

export async function createStream(
  client: KinesisClient,
  name: string,
  shards: number,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitActive(client, name);
}

/** Creates the stream unless it exists (then keeps it, whatever its shard count); waits until ACTIVE. */
export async function ensureStream(
  client: KinesisClient,
  name: string,
  shards: number,
): Promise<'created' | 'existed'> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
    await waitActive(client, name);
    return 'existed';
  }
  await waitActive(client, name);
  return 'created';
}

/** Puts each event as one record under a random partition key; retries the records PutRecords refused. */
export async function putEvents(
  client: KinesisClient,
  stream: string,
  events: readonly unknown[],
): Promise<void> {
  for (let start = 0; start < events.length; start += 500) {
    let entries: PutRecordsRequestEntry[] = events.slice(start, start + 500).map((event) => ({
      Data: Buffer.from(JSON.stringify(event)),
      PartitionKey: randomUUID(),
    }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt >= 10) throw new Error(`PutRecords kept failing for ${entries.length} records`);
      const response = await client.send(
        new PutRecordsCommand({ StreamName: stream, Records: entries }),
      );
      if (!response.FailedRecordCount) break;
      entries = entries.filter((_, i) => response.Records?.[i]?.ErrorCode !== undefined);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
