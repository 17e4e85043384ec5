/**
 * `npm run bench` (scrape part): /metrics of an exporter whose task metrics
 * are at the series cap (and at smaller sizes), against a baseline measured
 * in the same run: a plain HTTP server writing the same text from a
 * pre-built string, the floor on this machine.
 *
 * The exporter runs in a child process of its own (its RSS is what is
 * measured), with a trickle of records counted meanwhile; the scrapers and
 * the /healthz prober run here, as Prometheus and the kubelet would.
 *
 * Targets (issues 14 and 24): at the default cap (--max-series-per-metric),
 * one scrape <= 250 ms and <= 10x the baseline, <= 64 MB extra RSS; 10
 * concurrent scrapers for 20 s: scrape p99 <= 1 s, /healthz p99 <= 100 ms,
 * peak RSS <= 384 MB; gzip body <= 1 MB.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { startServer } from '../../src/http/server.js';
import { RENDER_REUSE_MS } from '../../src/http/shared-scrapes.js';
import { captureState, publishState } from '../../src/state/durable-state.js';
import { LINES_PER_WORKLOAD, wideWorkloadEvent } from '../../test/helpers/wide-corpus.js';

const PROMETHEUS_HEADERS = {
  Accept:
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'Accept-Encoding': 'gzip',
};

interface ChildStats {
  rssMiB: number;
  /** Highest RSS sampled since the last reset. */
  peakRssMiB: number;
  /** Peak RSS of the process's life. */
  maxRssMiB: number;
  /** Longest the event loop was held up since the last reset, in ms. */
  maxBlockMs: number;
}

type ToChild = { type: 'stats'; reset?: boolean } | { type: 'trickle'; on: boolean };

/** The exporter side: counting at `workloads` workloads, its server, and the baseline server. */
async function child(workloads: number): Promise<void> {
  const loaded = loadConfig('run', ['--stream', 'bench'], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const counting = createCounting(loaded.config, pino({ level: 'silent' }), undefined);
  let task = 0;
  for (; task < workloads; task++) counting.pipeline.handle(wideWorkloadEvent(task, workloads));
  const logger = pino({ level: 'silent' });
  // As deployed (a state directory or S3): scrapes show the state of the last
  // save, published every checkpoint interval. BENCH_SCRAPE_STATE=live: no state kept.
  const saved = process.env.BENCH_SCRAPE_STATE !== 'live';
  if (saved) {
    const save = () => publishState(counting, captureState(counting));
    save();
    setInterval(save, loaded.config.checkpointIntervalMs).unref();
  }
  const exporter = await startServer(
    {
      render: (format, onChunk, keep) => counting.render(format, onChunk, keep),
      shownVersion: () => counting.shownVersion(),
      health: () => ({ ok: true, reason: 'reading' }),
      readiness: () => ({ ok: true, reason: 'ready' }),
    },
    { host: '127.0.0.1', port: 0 },
    logger,
  );
  // Counted chunk by chunk as a render gives them, so that the measuring
  // itself does not hold the whole text (it raised the RSS measured below).
  let lines = 0;
  let bytes = 0;
  let lineStart = true;
  await counting.render(
    'text',
    (chunk) => {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i] as number;
        if (lineStart && c !== 0x23 && c !== 0x0a) lines++;
        lineStart = c === 0x0a;
      }
    },
    false,
  );
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  // RSS sampled every 2 ms (renders yield every 10 ms): the peak since the last reset.
  let peakRss = 0;
  setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2).unref();
  // New tasks of the same workloads: values change, the series stay at the cap.
  let trickle: NodeJS.Timeout | undefined;
  process.on('message', (message: ToChild) => {
    if (message.type === 'trickle') {
      clearInterval(trickle);
      if (message.on) {
        trickle = setInterval(() => {
          for (let i = 0; i < 5; i++)
            counting.pipeline.handle(wideWorkloadEvent(task++, workloads));
        }, 10);
      }
      return;
    }
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    const stats: ChildStats = {
      rssMiB: rss / 2 ** 20,
      peakRssMiB: peakRss / 2 ** 20,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      maxBlockMs: lag.max / 1e6,
    };
    if (message.reset) {
      lag.reset();
      peakRss = rss;
    }
    process.send?.(stats);
  });
  process.send?.({ port: exporter.address.port, lines, bytes });
}

/** The floor: the same text, pre-built, written by a bare server in a process of its own. */
async function baselineChild(workloads: number): Promise<void> {
  const loaded = loadConfig('run', ['--stream', 'bench'], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const counting = createCounting(loaded.config, pino({ level: 'silent' }), undefined);
  for (let task = 0; task < workloads; task++) {
    counting.pipeline.handle(wideWorkloadEvent(task, workloads));
  }
  const prebuilt = await counting.exposition('text');
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(prebuilt);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.send?.({ port: (server.address() as AddressInfo).port });
}

/** The kubelet: /healthz every 50 ms for `seconds`, from a process of its own; sends the latencies. */
async function probeChild(port: number, seconds: number): Promise<void> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const got = await fetchOnce(port, '/healthz', {});
    if (got.status !== 200) throw new Error(`/healthz answered ${got.status}`);
    latencies.push(got.ms);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.send?.(latencies, () => process.exit(0));
}

interface Fetched {
  ms: number;
  bytes: number;
  status: number;
}

function fetchOnce(
  port: number,
  path: string,
  headers: Record<string, string>,
  agent: Agent | false = false,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () =>
        resolve({ ms: performance.now() - started, bytes, status: res.statusCode ?? 0 }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function ask<T>(proc: ChildProcess, message: ToChild): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (reply) => resolve(reply as T));
    proc.send(message);
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const median = (values: number[]) => quantile(values, 0.5);

const verdict = (value: number, target: number) => (value <= target ? 'met' : 'NOT MET');

function spawnChild<T>(args: string[]): Promise<{ proc: ChildProcess; first: T }> {
  const proc = fork(fileURLToPath(import.meta.url), args, {
    stdio: 'inherit',
    execArgv:
      args[0] === '--child' ? (process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean) : [],
  });
  return new Promise((resolve) => proc.once('message', (m) => resolve({ proc, first: m as T })));
}

async function measure(workloads: number, concurrentSeconds: number, cap: number): Promise<void> {
  const { proc, first: ports } = await spawnChild<{ port: number; lines: number; bytes: number }>([
    '--child',
    String(workloads),
  ]);
  const { proc: baseline, first: basePort } = await spawnChild<{ port: number }>([
    '--baseline',
    String(workloads),
  ]);
  try {
    const start = await ask<ChildStats>(proc, { type: 'stats', reset: true });
    // One scrape, the first: wall time and the RSS it adds.
    const first = await fetchOnce(ports.port, '/metrics', {});
    const afterFirst = await ask<ChildStats>(proc, { type: 'stats', reset: true });
    const single: number[] = [first.ms];
    const gzipMs: number[] = [];
    const baseMs: number[] = [];
    let gzipBytes = 0;
    // Each single scrape past the window in which a finished render is served again: a fresh render.
    const pastReuse = () => new Promise((r) => setTimeout(r, RENDER_REUSE_MS + 50));
    for (let i = 0; i < 7; i++) {
      baseMs.push((await fetchOnce(basePort.port, '/metrics', {})).ms);
      await pastReuse();
      single.push((await fetchOnce(ports.port, '/metrics', {})).ms);
      await pastReuse();
      const zipped = await fetchOnce(ports.port, '/metrics', PROMETHEUS_HEADERS);
      gzipMs.push(zipped.ms);
      gzipBytes = zipped.bytes;
    }
    const singleStats = await ask<ChildStats>(proc, { type: 'stats', reset: true });

    // Ten scrapers back to back, as Prometheus asks, and a /healthz probe every 50 ms.
    proc.send({ type: 'trickle', on: true } satisfies ToChild);
    const scrapeMs: number[] = [];
    const until = performance.now() + concurrentSeconds * 1000;
    const prober = fork(fileURLToPath(import.meta.url), [
      '--probe',
      String(ports.port),
      String(concurrentSeconds),
    ]);
    const probed = new Promise<number[]>((resolve) =>
      prober.once('message', (m) => resolve(m as number[])),
    );
    const scrapers = Array.from({ length: 10 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until) {
        const got = await fetchOnce(ports.port, '/metrics', PROMETHEUS_HEADERS, agent);
        if (got.status !== 200) throw new Error(`scrape answered ${got.status}`);
        scrapeMs.push(got.ms);
      }
      agent.destroy();
    });
    await Promise.all(scrapers);
    const healthMs = await probed;
    proc.send({ type: 'trickle', on: false } satisfies ToChild);
    const loaded = await ask<ChildStats>(proc, { type: 'stats' });

    const base = median(baseMs);
    const one = median(single);
    const atCap = workloads >= cap;
    const line = (label: string, value: string, target?: string) =>
      console.log(`  ${label.padEnd(44)} ${value.padStart(14)}${target ? `   ${target}` : ''}`);
    console.log(
      `\n${ports.lines} series (${workloads} workloads x ${LINES_PER_WORKLOAD} lines), body ${(ports.bytes / 1e6).toFixed(1)} MB:`,
    );
    line('baseline: pre-built text, plain write (median)', `${base.toFixed(0)} ms`);
    line(
      'one scrape, text (median of 8)',
      `${one.toFixed(0)} ms`,
      `${(one / base).toFixed(2)}x baseline${atCap ? `; targets <= 10x: ${verdict(one / base, 10)}, <= 250 ms: ${verdict(one, 250)}` : ''}`,
    );
    line('first scrape', `${first.ms.toFixed(0)} ms`);
    line(
      'one scrape, gzip + OpenMetrics (median of 7)',
      `${median(gzipMs).toFixed(0)} ms`,
      `${(median(gzipMs) / base).toFixed(2)}x baseline`,
    );
    const extra = afterFirst.peakRssMiB - start.rssMiB;
    line(
      'extra RSS of the first scrape',
      `${extra.toFixed(0)} MiB`,
      `from ${start.rssMiB.toFixed(0)} MiB${atCap ? `; target <= 64 MB: ${verdict(extra * 1.048576, 64)}` : ''}`,
    );
    line('longest event loop block, single scrapes', `${singleStats.maxBlockMs.toFixed(0)} ms`);
    line(
      'gzip body',
      `${(gzipBytes / 1e6).toFixed(2)} MB`,
      atCap ? `target <= 1 MB: ${verdict(gzipBytes / 1e6, 1)}` : undefined,
    );
    line(
      `10 scrapers x ${concurrentSeconds} s: scrapes`,
      `${scrapeMs.length}`,
      `p50 ${median(scrapeMs).toFixed(0)} ms, max ${Math.max(...scrapeMs).toFixed(0)} ms`,
    );
    const p99 = quantile(scrapeMs, 0.99);
    line('  scrape p99', `${p99.toFixed(0)} ms`, `target <= 1000 ms: ${verdict(p99, 1000)}`);
    const hp99 = quantile(healthMs, 0.99);
    line(
      '  /healthz p99',
      `${hp99.toFixed(1)} ms`,
      `target <= 100 ms: ${verdict(hp99, 100)} (p50 ${median(healthMs).toFixed(1)}, max ${Math.max(...healthMs).toFixed(0)} ms, ${healthMs.length} probes)`,
    );
    line('  longest event loop block', `${loaded.maxBlockMs.toFixed(0)} ms`);
    line(
      '  exporter peak RSS',
      `${loaded.maxRssMiB.toFixed(0)} MiB`,
      `target <= 384 MB: ${verdict(loaded.maxRssMiB * 1.048576, 384)}`,
    );
  } finally {
    proc.kill();
    baseline.kill();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SCRAPE_SECONDS ?? 20);
  // At the default cap (every task metric full, the rest folded), and below it.
  const loaded = loadConfig('run', ['--stream', 'bench'], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const cap = loaded.config.maxSeriesPerMetric;
  const sizes = (process.env.BENCH_SCRAPE_WORKLOADS ?? `${cap},${Math.round(cap * 0.66)},180`)
    .split(',')
    .map(Number);
  console.log(
    `scrape bench: each size in a fresh exporter process; series = sample lines of the task metrics; ${process.env.BENCH_SCRAPE_STATE === 'live' ? 'no state kept (scrapes show live values)' : 'scrapes show the state saved every checkpoint interval, as deployed'}`,
  );
  for (const workloads of sizes) await measure(workloads, seconds, cap);
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else if (process.argv[2] === '--baseline') {
  await baselineChild(Number(process.argv[3]));
} else if (process.argv[2] === '--probe') {
  await probeChild(Number(process.argv[3]), Number(process.argv[4]));
} else {
  await main();
}
