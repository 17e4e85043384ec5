/**
 * `npm run bench` (churn part): 120 days of workload churn (40 per-PR
 * workloads a day, 30 long-lived and 10 stable services; see
 * test/helpers/churn-corpus.ts) replayed at the default series cap, each
 * run in a fresh child process: series and workloads at the end, facts
 * folded, peak RSS, the saved state's size, replay time. Once with the
 * default idle expiry, once with expiry out of reach (as before it existed),
 * against the same corpus.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { captureState } from '../../src/state/durable-state.js';
import { encodeState } from '../../src/state/state-codec.js';
import { CHURN_DEFAULTS, churnDays } from '../../test/helpers/churn-corpus.js';

interface Result {
  ms: number;
  series: number;
  workloads: number;
  folded: number;
  expired: number;
  stateBytes: number;
  maxRssMiB: number;
}

function child(file: string, idle: string): void {
  const loaded = loadConfig('replay', ['--series-idle-expiry', idle, file], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const counting = createCounting(loaded.config, pino({ level: 'silent' }), undefined);
  const text = readFileSync(file, 'utf8');
  const started = performance.now();
  let from = 0;
  for (;;) {
    const end = text.indexOf('\n', from);
    if (end === -1) break;
    counting.pipeline.handle(text.slice(from, end));
    from = end + 1;
  }
  const ms = performance.now() - started;
  const store = counting.store;
  const stateBytes = encodeState({
    savedAt: '',
    position: null,
    state: captureState(counting),
  }).length;
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const result: Result = {
    ms,
    series: store.families.reduce((n, f) => n + store.shownCount(f), 0),
    workloads: store.workloadCount,
    folded: sum(counting.self.counts.folded),
    expired: sum(counting.self.counts.expired),
    stateBytes,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.send?.(result);
}

function run(file: string, idle: string): Promise<Result> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', file, idle]);
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Result));
    proc.once('error', reject);
  });
}

async function main(): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'churn-bench-')), 'churn.ndjson');
  const chunks: string[] = [];
  let lines = 0;
  for (const day of churnDays(CHURN_DEFAULTS)) {
    chunks.push(`${day.join('\n')}\n`);
    lines += day.length;
  }
  writeFileSync(file, chunks.join(''));
  const o = CHURN_DEFAULTS;
  console.log(
    `\nchurn bench: ${o.days} days, ${o.shortPerDay} short-lived workloads a day (${o.days * o.shortPerDay} in all), ${o.longServices} long-lived and ${o.stableServices} stable services; ${lines} events; default --max-series-per-metric`,
  );
  const line = (label: string, r: Result) =>
    console.log(
      `  ${label.padEnd(28)} ${String(r.series).padStart(6)} series, ${String(r.workloads).padStart(5)} workloads, ${String(r.folded).padStart(6)} facts folded, ${String(r.expired).padStart(6)} series expired; state ${(r.stateBytes / 1e6).toFixed(2)} MB; peak RSS ${r.maxRssMiB.toFixed(0)} MiB; replay ${(r.ms / 1000).toFixed(2)} s`,
    );
  line('idle expiry 14d (default)', await run(file, '14d'));
  line('no expiry (3650d)', await run(file, '3650d'));
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as string, process.argv[4] as string);
} else {
  await main();
}
