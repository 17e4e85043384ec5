/**
 * An in-process Kinesis-API server (kinesalite, in memory) on 127.0.0.1 and
 * a producer that writes events into it the way EventBridge does: one event
 * per record, under a random partition key. The demo's embedded default; never
 * used against real AWS. kinesalite is a development dependency, loaded only
 * when the server starts: the production install has none.
 *
 * kinesalite keeps every record for ever (it drops records past the
 * stream's retention, at least 24 h, only when a read passes over them), so
 * the server trims its streams itself: the newest `maxRecordsPerShard` of
 * each shard, none older than `maxAgeMs`. A demo then runs for days in
 * bounded memory, as a stream with a short retention would.
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

/** The parts of kinesalite's LevelDB-style store (levelup over memdown) that trimming uses. */
interface LevelDb {
  createKeyStream(): AsyncIterable<string>;
  createReadStream(): AsyncIterable<{ key: string; value: unknown }>;
  batch(ops: { type: 'del'; key: string }[], cb: (err?: Error) => void): void;
}

interface KinesaliteStore {
  readonly metaDb: LevelDb;
  getStreamDb(name: string): LevelDb;
}

interface KinesaliteDb {
  create(options: Record<string, unknown>): KinesaliteStore;
  parseSequence(seq: string): { seqTime: number };
}

export interface LocalRetention {
  /** Newest records kept per shard. */
  readonly maxRecordsPerShard: number;
  /** Records older than this are dropped. */
  readonly maxAgeMs: number;
  readonly trimIntervalMs: number;
}

/** About 25 MB of demo events per shard at most, and five minutes of them. */
export const DEMO_RETENTION: LocalRetention = {
  maxRecordsPerShard: 10_000,
  maxAgeMs: 5 * 60_000,
  trimIntervalMs: 5_000,
};

export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalKinesis {
  readonly endpoint: string;
  /** Records the server holds now, over all streams, and the size of their stored form. */
  retained(): Promise<{ records: number; bytes: number }>;
  /** Trims now (it also trims every `trimIntervalMs`); resolves with the records dropped. */
  trim(): Promise<number>;
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

/** kinesalite's store module: the one its server factory calls, so the store can be kept. */
async function loadStoreModule(): Promise<KinesaliteDb> {
  return (await import('kinesalite/db/index.js')).default as KinesaliteDb;
}

/** Starts kinesalite and returns its store as well, which kinesalite does not expose. */
function startWithStore(
  kinesalite: Kinesalite,
  db: KinesaliteDb,
  options: Record<string, unknown>,
): { server: Server; store: KinesaliteStore } {
  const create = db.create;
  let store: KinesaliteStore | undefined;
  db.create = (o) => {
    store = create(o);
    return store;
  };
  try {
    const server = kinesalite(options);
    if (store === undefined) throw new Error('kinesalite did not create its store');
    return { server, store };
  } finally {
    db.create = create;
  }
}

async function streamNames(store: KinesaliteStore): Promise<string[]> {
  const names: string[] = [];
  for await (const key of store.metaDb.createKeyStream()) names.push(String(key));
  return names;
}

/** Keys of records to drop: past the newest `maxRecordsPerShard` of their shard, or too old. */
function keysToTrim(
  keys: readonly string[],
  db: KinesaliteDb,
  retention: LocalRetention,
  nowMs: number,
): string[] {
  const byShard = new Map<string, string[]>();
  for (const key of keys) {
    const shard = key.slice(0, key.indexOf('/'));
    let list = byShard.get(shard);
    if (list === undefined) {
      list = [];
      byShard.set(shard, list);
    }
    list.push(key);
  }
  const cutoff = nowMs - retention.maxAgeMs;
  const drop: string[] = [];
  for (const list of byShard.values()) {
    // Keys sort by sequence number within a shard: oldest first.
    const excess = list.length - retention.maxRecordsPerShard;
    list.forEach((key, i) => {
      const seq = key.slice(key.indexOf('/') + 1);
      if (i < excess || db.parseSequence(seq).seqTime < cutoff) drop.push(key);
    });
  }
  return drop;
}

export async function startLocalKinesis(
  port = 0,
  retention: LocalRetention = DEMO_RETENTION,
): Promise<LocalKinesis> {
  const kinesalite = await loadKinesalite();
  const db = await loadStoreModule();
  const { server, store } = startWithStore(kinesalite, db, {
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
  let trimming: Promise<number> | undefined;
  const trim = () => {
    trimming ??= (async () => {
      let dropped = 0;
      for (const name of await streamNames(store)) {
        const streamDb = store.getStreamDb(name);
        const keys: string[] = [];
        for await (const key of streamDb.createKeyStream()) keys.push(String(key));
        const drop = keysToTrim(keys, db, retention, Date.now());
        if (drop.length === 0) continue;
        await new Promise<void>((resolve, reject) =>
          streamDb.batch(
            drop.map((key) => ({ type: 'del', key })),
            (err) => (err ? reject(err) : resolve()),
          ),
        );
        dropped += drop.length;
      }
      return dropped;
    })().finally(() => {
      trimming = undefined;
    });
    return trimming;
  };
  const timer = setInterval(() => {
    trim().catch(() => {
      // The store is closing; the next trim tries again.
    });
  }, retention.trimIntervalMs);
  timer.unref();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    retained: async () => {
      let records = 0;
      let bytes = 0;
      for (const name of await streamNames(store)) {
        for await (const { key, value } of store.getStreamDb(name).createReadStream()) {
          records++;
          bytes += key.length + JSON.stringify(value).length;
        }
      }
      return { records, bytes };
    },
    trim,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
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
