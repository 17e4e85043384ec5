/**
 * `npm run bench` (memory part): peak RSS of `replay -` over 1,000,000
 * distinct tasks at the default cap on tracked tasks; bytes per tracked task
 * with the cap raised to 1,000,000; and the cost and size of saving and
 * restoring the state with 100,000 tracked tasks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { decodeEnvelope } from '../../src/kinds/envelope.js';
import { decodeTaskEvent } from '../../src/kinds/task-state-change/decode.js';
import { TaskLabelInterner } from '../../src/kinds/task-state-change/task-labels.js';
import {
  DEFAULT_MAX_TRACKED_TASKS,
  TaskTracker,
} from '../../src/kinds/task-state-change/tracker.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import { decodeState, encodeState } from '../../src/state/state-codec.js';
import { EXPORTER_CLI } from '../repo-root.js';
import { stoppedEvent } from './stopped-event.js';

const logger = pino({ level: 'silent' });

/** Runs `replay -` on `tasks` generated events; returns the child's peak RSS and its output. */
async function replayPeak(tasks: number): Promise<{ peakMiB: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'memory-bench-'));
  const probe = join(dir, 'peak.cjs');
  writeFileSync(
    probe,
    "process.on('exit', () => process.stderr.write('PEAK_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'));\n",
  );
  const child = spawn(process.execPath, ['--require', probe, EXPORTER_CLI, 'replay', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    errors += d;
  });
  const batch = 1000;
  for (let i = 0; i < tasks; i += batch) {
    let text = '';
    for (let j = i; j < Math.min(tasks, i + batch); j++) text += `${stoppedEvent(j)}\n`;
    if (!child.stdin.write(text))
      await new Promise<void>((r) => child.stdin.once('drain', () => r()));
  }
  child.stdin.end();
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  rmSync(dir, { recursive: true, force: true });
  const kb = Number(/PEAK_RSS_KB=(\d+)/.exec(errors)?.[1]);
  return { peakMiB: kb / 1024, output };
}

function bytesPerTrackedTask(tasks: number): { rss: number; heap: number } {
  const tracker = new TaskTracker({ maxTrackedTasks: tasks });
  const sink = {
    workload() {},
    transition() {},
    stopped() {},
    imagePull() {},
    startup() {},
    run() {},
    exit() {},
  };
  const interner = new TaskLabelInterner();
  const decoded = (i: number) => {
    const envelope = decodeEnvelope(JSON.parse(stoppedEvent(i)));
    const result = envelope.ok ? decodeTaskEvent(envelope.event, interner) : undefined;
    if (result?.ok !== true) throw new Error('bench event did not decode');
    return result.event;
  };
  global.gc?.();
  const before = process.memoryUsage();
  for (let i = 0; i < tasks; i++) tracker.apply(decoded(i), sink);
  global.gc?.();
  const after = process.memoryUsage();
  if (tracker.size !== tasks) throw new Error(`tracked ${tracker.size} of ${tasks}`);
  return {
    rss: (after.rss - before.rss) / tasks,
    heap: (after.heapUsed - before.heapUsed) / tasks,
  };
}

async function saveCost(tasks: number): Promise<void> {
  const loaded = loadConfig('run', ['--stream', 'bench'], {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const core = createCounting(loaded.config, logger, undefined);
  for (let i = 0; i < tasks; i++) core.pipeline.handle(stoppedEvent(i));
  const dir = mkdtempSync(join(tmpdir(), 'save-bench-'));
  const store = new FileStateStore({ directory: dir, fileName: 'state.json' });
  const position = { stream: 'bench', shards: { 'shardId-000000000000': '1'.repeat(56) } };
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const state = captureState(core);
    await store.save(encodeState({ savedAt: new Date().toISOString(), position, state }));
    runs.push(performance.now() - start);
  }
  const captureStart = performance.now();
  captureState(core);
  const captureMs = performance.now() - captureStart;
  const size = statSync(store.path).size;
  const fresh = createCounting(loaded.config, logger, undefined);
  const restoreStart = performance.now();
  const loadedState = await store.load();
  if (loadedState === undefined) throw new Error('nothing saved');
  restoreState(fresh, decodeState(loadedState.bytes).state);
  const restoreMs = performance.now() - restoreStart;
  if (fresh.tracked() !== core.tracked()) throw new Error('restore lost tasks');
  rmSync(dir, { recursive: true, force: true });
  runs.sort((a, b) => a - b);
  console.log(
    `state save with ${core.tracked()} tracked tasks: ${(size / 1e6).toFixed(1)} MB, median ${runs[2]?.toFixed(0)} ms per save (capture alone ${captureMs.toFixed(0)} ms, blocking), load + restore ${restoreMs.toFixed(0)} ms`,
  );
}

async function main(): Promise<void> {
  const tasks = Number(process.env.BENCH_MEMORY_TASKS ?? 1_000_000);
  const { peakMiB, output } = await replayPeak(tasks);
  const stopped = /^ecs_task_stopped_total\{[^}]*\} (\d+)$/gm;
  let counted = 0;
  for (const m of output.matchAll(stopped)) counted += Number(m[1]);
  console.log(
    `replay - of ${tasks} distinct tasks (cap ${DEFAULT_MAX_TRACKED_TASKS}): peak RSS ${peakMiB.toFixed(0)} MiB (target < 256), ${counted} stops counted`,
  );
  const per = bytesPerTrackedTask(tasks);
  console.log(
    `per tracked task with the cap at ${tasks}: ${per.rss.toFixed(0)} bytes of RSS growth, ${per.heap.toFixed(0)} bytes of heap (target <= 200)`,
  );
  await saveCost(100_000);
}

await main();
