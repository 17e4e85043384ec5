/**
 * `npm run bench:stream`: end-to-end throughput from a local 4-shard Kinesis
 * stream (kinesalite on 127.0.0.1) through the exporter's consumer and
 * pipeline, against a bare reader that only drains the same shards with
 * GetRecords as fast as the emulator answers, in the same run; then the
 * latency from a put to the record being counted (what the next scrape of
 * /metrics shows) at the default polling settings.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { liveMetrics } from '../../src/metrics/process-metrics.js';
import {
  createStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  putEvents,
  startLocalKinesis,
} from '../../src/simulator/local-kinesis.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';
import { createKinesisMetrics } from '../../src/sources/kinesis/kinesis-metrics.js';
import { KinesisSource } from '../../src/sources/kinesis/kinesis-source.js';
import type { RecordSink } from '../../src/sources/source.js';

const SHARDS = 4;
const logger = pino({ level: 'silent' });

async function drain(client: KinesisClient, stream: string, expected: number): Promise<number> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let read = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator !== undefined) {
        const out = await client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        read += out.Records?.length ?? 0;
        if ((out.Records?.length ?? 0) === 0 && out.MillisBehindLatest === 0) break;
        iterator = out.NextShardIterator;
      }
    }),
  );
  if (read !== expected) throw new Error(`bare reader read ${read} of ${expected}`);
  return read;
}

function consumer(
  client: KinesisClient,
  stream: string,
  startPosition: 'TRIM_HORIZON' | 'LATEST',
  onRecords: (records: readonly (string | Uint8Array)[]) => void,
) {
  const loaded = loadConfig('run', ['--stream', stream], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const core = createCounting(loaded.config, logger, liveMetrics());
  const source = new KinesisSource({
    client,
    stream,
    startPosition: { type: startPosition },
    logger,
    metrics: createKinesisMetrics(core.registry),
  });
  const sink: RecordSink = {
    records: (batch) => {
      core.sink.records(batch);
      onRecords(batch);
    },
    oversized: () => core.sink.oversized(),
  };
  return { core, source, start: () => source.start(sink, undefined) };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

async function main(): Promise<void> {
  const tasks = Number(process.env.BENCH_TASKS ?? 3000);
  const kinesis = await startLocalKinesis();
  const options = {
    endpoint: kinesis.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const admin = createKinesisClient({ ...options, maxAttempts: 3 });
  try {
    await createStream(admin, 'bench', SHARDS);
    const events = generateCorpus({ tasks, seed: 9 });
    await putEvents(admin, 'bench', events);
    console.log(
      `stream: ${SHARDS} shards, ${events.length} records from ${tasks} tasks (kinesalite)`,
    );

    let start = performance.now();
    await drain(createKinesisClient(options), 'bench', events.length);
    const bareMs = performance.now() - start;

    let read = 0;
    start = performance.now();
    const full = consumer(createKinesisClient(options), 'bench', 'TRIM_HORIZON', (r) => {
      read += r.length;
    });
    await full.start();
    while (read < events.length) await new Promise((r) => setTimeout(r, 5));
    const exporterMs = performance.now() - start;
    await full.source.stop();
    const rate = (ms: number) => (events.length / (ms / 1000)).toFixed(0).padStart(7);
    console.log(`bare GetRecords drain   ${rate(bareMs)} records/s (${bareMs.toFixed(0)} ms)`);
    console.log(
      `exporter (defaults)     ${rate(exporterMs)} records/s (${exporterMs.toFixed(0)} ms; at most 5 reads/s per shard)`,
    );
    console.log(`ratio exporter / bare time: ${(exporterMs / bareMs).toFixed(2)}`);

    // Latency: one event every 50 ms, each timed from its put returning to its record being counted.
    await createStream(admin, 'latency', SHARDS);
    const putAt = new Map<string, number>();
    const latencies: number[] = [];
    const live = consumer(createKinesisClient(options), 'latency', 'LATEST', (records) => {
      const now = performance.now();
      for (const record of records) {
        const id = (JSON.parse(Buffer.from(record).toString()) as { id: string }).id;
        const at = putAt.get(id);
        if (at !== undefined) latencies.push(now - at);
      }
    });
    await live.start();
    while (!live.source.readiness().ok) await new Promise((r) => setTimeout(r, 20));
    const samples = generateCorpus({ tasks: 60, seed: 10, startMs: Date.now() }).slice(0, 300);
    for (const event of samples) {
      const id = event.id as string;
      await putEvents(admin, 'latency', [event]);
      if (!putAt.has(id)) putAt.set(id, performance.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < samples.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await live.source.stop();
    latencies.sort((a, b) => a - b);
    console.log(
      `put → counted latency over ${latencies.length} records (idle delay 1 s, 200 ms between reads): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms`,
    );
  } finally {
    admin.destroy();
    await kinesis.close();
  }
}

await main();
