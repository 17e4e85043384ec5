/**
 * `npm run bench:s3-state`: cost and size of saving the state to S3 with
 * 100,000 tracked tasks (BENCH_S3_TASKS to change), against s3rver on
 * 127.0.0.1 in this process (so the server's own work shares the CPU and the
 * figure is an upper bound of the client's), and the load + restore.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { createS3Client } from '../../src/state/s3-client.js';
import { parseS3Location } from '../../src/state/s3-location.js';
import { S3StateStore } from '../../src/state/s3-state-store.js';
import { decodeState, encodeState } from '../../src/state/state-codec.js';
import { stoppedEvent } from './stopped-event.js';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (
  options: Record<string, unknown>,
) => { run(): Promise<{ port: number }>; close(): Promise<void> };

const tasks = Number(process.env.BENCH_S3_TASKS ?? 100_000);
const logger = pino({ level: 'silent' });
const loaded = loadConfig('run', ['--stream', 'bench'], {});
if (!loaded.ok) throw new Error(loaded.problems.join('; '));
const core = createCounting(loaded.config, logger, undefined);
for (let i = 0; i < tasks; i++) core.pipeline.handle(stoppedEvent(i));

const directory = mkdtempSync(join(tmpdir(), 's3-bench-'));
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: 'bench' }],
});
const { port } = await server.run();
const client = createS3Client({
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const store = new S3StateStore({ client, location: parseS3Location('s3://bench/exporter') });
const position = { stream: 'bench', shards: { 'shardId-000000000000': '1'.repeat(56) } };
const runs: { total: number; capture: number; encode: number; put: number }[] = [];
let size = 0;
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  const state = captureState(core);
  const t1 = performance.now();
  const bytes = encodeState({ savedAt: new Date().toISOString(), position, state });
  const t2 = performance.now();
  await store.save(bytes);
  const t3 = performance.now();
  size = bytes.byteLength;
  runs.push({ total: t3 - t0, capture: t1 - t0, encode: t2 - t1, put: t3 - t2 });
}
runs.sort((a, b) => a.total - b.total);
const median = runs[3] as (typeof runs)[number];
const fresh = createCounting(loaded.config, logger, undefined);
const r0 = performance.now();
const saved = await store.load();
if (saved === undefined) throw new Error('nothing saved');
restoreState(fresh, decodeState(saved.bytes).state);
const restoreMs = performance.now() - r0;
if (fresh.tracked() !== core.tracked()) throw new Error('restore lost tasks');
const objects = await client.send(new ListObjectsV2Command({ Bucket: 'bench' }));
console.log(
  `S3 state save with ${core.tracked()} tracked tasks: object ${(size / 1e6).toFixed(1)} MB, median ${median.total.toFixed(0)} ms per save (capture ${median.capture.toFixed(0)} ms and encode ${median.encode.toFixed(0)} ms blocking; put + pointer + clean-up ${median.put.toFixed(0)} ms), load + verify + restore ${restoreMs.toFixed(0)} ms; ${objects.KeyCount} objects kept after 7 saves`,
);
client.destroy();
await server.close();
rmSync(directory, { recursive: true, force: true });
