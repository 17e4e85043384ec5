/**
 * `npm run soak`: at least 200,000 records through a local 4-shard stream into
 * `ecs-events-exporter run` (a child process, with --state-dir), while
 * /metrics is scraped every second. Reports scrape latency against a stated
 * bound, throughput and the exporter's peak RSS, and checks the final totals
 * against a replay of the same events. Exits non-zero when a check fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import {
  createStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  putEvents,
} from '../../src/simulator/local-kinesis.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';
import { EXPORTER_CLI, REPO_ROOT } from '../repo-root.js';

/**
 * No scrape may take longer than the scrape interval itself (1 s), so a
 * scrape never overlaps the next; Prometheus' default scrape timeout is 10 s.
 */
const SCRAPE_BOUND_MS = 1000;

const taskLines = (text: string) =>
  canonicalExposition(text)
    .split('\n')
    .filter((l) => l.startsWith('ecs_task_'))
    .join('\n');

function recordsTotal(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/^ecs_events_exporter_records_total\{[^}]*\} (\d+)$/gm))
    total += Number(m[1]);
  return total;
}

async function startKinesisProcess(): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = `require('kinesalite')({ createStreamMs: 50, updateStreamMs: 50, deleteStreamMs: 50, shardLimit: 100 })
    .listen(0, '127.0.0.1', function () { console.log('PORT=' + this.address().port); });`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const match = /PORT=(\d+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`kinesalite exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

async function main(): Promise<void> {
  const target = Number(process.env.SOAK_RECORDS ?? 200_000);
  const events: Record<string, unknown>[] = [];
  for (let seed = 1; events.length < target; seed++) {
    events.push(
      ...generateCorpus({ tasks: 2000, seed, startMs: Date.now() - 86_400_000 + seed * 60_000 }),
    );
  }
  const lines = events.map((e) => JSON.stringify(e));
  // The Kinesis-API server runs in a process of its own, so that the scrape
  // timings below measure the exporter, not this process's event loop.
  const kinesis = await startKinesisProcess();
  const options = {
    endpoint: kinesis.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const admin = createKinesisClient({ ...options, maxAttempts: 5 });
  const stateDir = mkdtempSync(join(tmpdir(), 'soak-state-'));
  await createStream(admin, 'soak', 4);
  const child = spawn(
    process.execPath,
    [
      EXPORTER_CLI,
      'run',
      '--stream',
      'soak',
      '--state-dir',
      stateDir,
      '--start-position',
      'TRIM_HORIZON',
      '--web.listen-address',
      '127.0.0.1:0',
    ],
    {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (d) => {
    log += d;
  });
  let url: string | undefined;
  while (url === undefined) {
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(log)?.[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  const scrapes: number[] = [];
  const timeline: [number, number][] = [];
  let sizes = 0;
  let last = '';
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      const start = performance.now();
      last = await (await fetch(`${url}/metrics`)).text();
      scrapes.push(performance.now() - start);
      timeline.push([Math.round(start), Math.round(performance.now() - start)]);
      sizes = Math.max(sizes, last.length);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - start))));
    }
  })();
  const started = performance.now();
  for (let i = 0; i < events.length; i += 5000)
    await putEvents(admin, 'soak', events.slice(i, i + 5000));
  const putMs = performance.now() - started;
  while (recordsTotal(last) < events.length) await new Promise((r) => setTimeout(r, 200));
  const doneMs = performance.now() - started;
  scraping = false;
  await scraper;
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  const final = await (await fetch(`${url}/metrics`)).text();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  const loaded = loadConfig('replay', [], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const core = createCounting(loaded.config, pino({ level: 'silent' }), undefined);
  for (const line of lines) core.pipeline.handle(line);
  const exact =
    taskLines(final) === taskLines(await core.exposition()) &&
    recordsTotal(final) === events.length;

  scrapes.sort((a, b) => a - b);
  const pct = (p: number) =>
    scrapes[Math.min(scrapes.length - 1, Math.floor((p / 100) * scrapes.length))] as number;
  const slowest = scrapes.at(-1) as number;
  console.log(
    `soak: ${events.length} records, 4 shards, put in ${(putMs / 1000).toFixed(1)} s, all counted after ${(doneMs / 1000).toFixed(1)} s (${(events.length / (doneMs / 1000)).toFixed(0)} records/s)`,
  );
  console.log(
    `scrapes every 1 s: ${scrapes.length}, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${slowest.toFixed(1)} ms (bound ${SCRAPE_BOUND_MS} ms), largest exposition ${(sizes / 1024).toFixed(0)} KiB`,
  );
  const first = timeline[0]?.[0] ?? 0;
  const slow = timeline.filter(([, ms]) => ms > 100);
  if (slow.length > 0) {
    const at = slow.map(([t, ms]) => `${((t - first) / 1000).toFixed(0)} s: ${ms} ms`);
    console.log(`scrapes over 100 ms (time since the first scrape): ${at.join(', ')}`);
  }
  console.log(
    `exporter peak RSS ${(peakKb / 1024).toFixed(0)} MiB; totals exact against replay: ${exact}`,
  );
  admin.destroy();
  kinesis.child.kill('SIGTERM');
  rmSync(stateDir, { recursive: true, force: true });
  if (!exact || slowest > SCRAPE_BOUND_MS) process.exitCode = 1;
}

await main();
