/**
 * `npm run bench`: replay throughput against a bare loop that only splits
 * lines and JSON.parses them, on the same generated corpus in the same run.
 * Each measurement runs in a child process of its own (fresh heap and JIT),
 * alternating, and the median is reported with the child's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createCounting } from '../../src/counting.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import {
  FileSource,
  fileChunks,
  REPLAY_CHUNK_BYTES,
  replayInputs,
} from '../../src/sources/file/file-source.js';
import { readLines } from '../../src/sources/file/line-reader.js';
import { EXPORTER_CLI } from '../repo-root.js';

/** A bare Node loop: the file read as a stream, split into lines, each JSON.parsed. */
const BARE_LOOP = `import { createReadStream } from 'node:fs';
let pending = '';
let parsed = 0;
const parse = (line) => {
  if (line.trim() !== '' && JSON.parse(line) !== null) parsed++;
};
for await (const chunk of createReadStream(process.argv[2], { encoding: 'utf8', highWaterMark: ${REPLAY_CHUNK_BYTES} })) {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  for (const line of lines) parse(line);
}
parse(pending);
process.stdout.write(String(parsed));
`;

interface Sample {
  readonly ms: number;
  readonly records: number;
  readonly maxRssMiB: number;
}

async function child(mode: string, file: string): Promise<void> {
  let records = 0;
  const start = process.hrtime.bigint();
  if (mode === 'parse' || mode === 'parse-sync') {
    // The bare loop: a stream of the file (or, stricter, the synchronous
    // reads replay makes) split into lines, each JSON.parsed.
    let sink = 0;
    const chunks =
      mode === 'parse'
        ? createReadStream(file, { highWaterMark: REPLAY_CHUNK_BYTES })
        : fileChunks(await open(file, 'r'), REPLAY_CHUNK_BYTES);
    await readLines(chunks, {
      onLine: (line) => {
        records++;
        const parsed = JSON.parse(line) as { detail?: unknown };
        if (parsed.detail !== undefined) sink++;
      },
    });
    if (sink < 0) console.error(sink);
  } else {
    // What `replay FILE` does, but for writing the exposition out.
    const loaded = loadConfig('replay', [], {});
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const core = createCounting(loaded.config, pino({ level: 'silent' }), undefined);
    const source = new FileSource(await replayInputs(file, process.stdin), file);
    await source.start(core.sink, undefined);
    await source.finished;
    records = core.self.counts.records.processed + core.self.counts.records.duplicate;
    await core.exposition();
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const sample: Sample = { ms, records, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(sample));
}

function measure(mode: string, file: string): Sample {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [self, '--child', mode, file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${mode} run failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Sample;
}

/**
 * Loaded before the measured program: at exit it writes the CPU time the
 * process used, every thread counted (JIT compilers, garbage collector,
 * the thread pool), as the last line of standard error.
 */
const CPU_AT_EXIT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-us '+(u.user+u.system)+'\\n')})`;

/** A whole process run to its end: its wall time in ms, start-up included, and its standard error. */
function timed(args: readonly string[]): { wallMs: number; stderr: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, stderr: result.stderr };
}

/** Wall time of a whole process, start-up included, in ms. */
function wallMs(args: readonly string[]): number {
  return timed(args).wallMs;
}

/** CPU time of a whole process, every thread counted, in ms (a run of its own: the hook costs a little). */
function cpuMs(args: readonly string[]): number {
  const { stderr } = timed(['--import', CPU_AT_EXIT, ...args]);
  const cpu = /cpu-us (\d+)\s*$/.exec(stderr);
  if (cpu === null) throw new Error(`${args.join(' ')} wrote no CPU time: ${stderr}`);
  return Number(cpu[1]) / 1000;
}

/** Start-up: `--help` and a replay of an empty file against a bare `node -e ''`. */
function startUp(dir: string, runs: number): void {
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  const bare: number[] = [];
  const help: number[] = [];
  const replayEmpty: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(['-e', '']));
    help.push(wallMs([EXPORTER_CLI, '--help']));
    replayEmpty.push(wallMs([EXPORTER_CLI, 'replay', empty]));
  }
  const b = median(bare);
  console.log(
    `start-up (median of ${runs}): node -e '' ${b.toFixed(0)} ms; --help ${median(help).toFixed(0)} ms (${(median(help) / b).toFixed(2)}x); replay of an empty file ${median(replayEmpty).toFixed(0)} ms (${(median(replayEmpty) / b).toFixed(2)}x; target <= 2x)`,
  );
}

/** Instructions a whole process executes, counted by valgrind's callgrind: the same every run. */
function instructions(args: readonly string[]): number {
  const result = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      '--smc-check=all-non-file',
      process.execPath,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const collected = /Collected : (\d+)/.exec(result.stderr);
  if (result.status !== 0 || collected === null) {
    throw new Error(`valgrind ${args.join(' ')} failed: ${result.stderr.slice(-500)}`);
  }
  return Number(collected[1]);
}

/**
 * BENCH_INSTRUCTIONS=1: the same ratios in instructions executed, which do
 * not drift with this machine's speed (a few minutes: valgrind runs Node
 * about 25 times slower, so it takes an eighth of the corpus).
 */
function instructionRatios(dir: string, file: string, bare: string): void {
  const slice = join(dir, 'slice.ndjson');
  const text = readFileSync(file, 'utf8');
  writeFileSync(slice, text.slice(0, text.indexOf('\n', Math.floor(text.length / 8)) + 1));
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  const g = (n: number) => `${(n / 1e9).toFixed(3)} G`;
  const node = instructions(['-e', '']);
  const bareRun = instructions([bare, slice]);
  const replayRun = instructions([EXPORTER_CLI, 'replay', slice]);
  const replayEmpty = instructions([EXPORTER_CLI, 'replay', empty]);
  console.log(
    `instructions, an eighth of the corpus: bare loop ${g(bareRun)}, replay FILE ${g(replayRun)} (${(replayRun / bareRun).toFixed(3)}x whole processes; ${((replayRun - replayEmpty) / (bareRun - node)).toFixed(3)}x without start-up); node -e '' ${g(node)}, replay of an empty file ${g(replayEmpty)} (${(replayEmpty / node).toFixed(3)}x)`,
  );
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function writeCorpus(file: string, tasks: number): Promise<number> {
  const out = createWriteStream(file);
  let records = 0;
  // Every kind the exporter counts is in the mix: say how much of each.
  const byType = new Map<string, number>();
  // Generated in slices so the corpus never sits in memory whole.
  const slice = 2000;
  for (let done = 0; done < tasks; done += slice) {
    const events = generateCorpus({
      tasks: Math.min(slice, tasks - done),
      seed: 1 + done,
      startMs: Date.UTC(2026, 0, 1) + done * 4000,
    });
    records += events.length;
    for (const e of events) {
      const type = String(e['detail-type']);
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    const text = `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  const mix = [...byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`);
  console.log(`corpus mix: ${mix.join(', ')}`);
  return records;
}

async function main(): Promise<void> {
  const tasks = Number(process.env.BENCH_TASKS ?? 8000);
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'ecs-events-bench-'));
  const file = join(dir, 'corpus.ndjson');
  try {
    const records = await writeCorpus(file, tasks);
    const mb = statSync(file).size / 1e6;
    console.log(`corpus: ${records} records from ${tasks} tasks, ${mb.toFixed(1)} MB (${file})`);
    const parse: Sample[] = [];
    const parseSync: Sample[] = [];
    const replay: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      parse.push(measure('parse', file));
      replay.push(measure('replay', file));
      parseSync.push(measure('parse-sync', file));
    }
    const report = (name: string, samples: Sample[]) => {
      const ms = median(samples.map((s) => s.ms));
      const rss = Math.max(...samples.map((s) => s.maxRssMiB));
      console.log(
        `${name.padEnd(26)} ${(records / (ms / 1000)).toFixed(0).padStart(8)} records/s ${(mb / (ms / 1000)).toFixed(1).padStart(7)} MB/s  median ${ms.toFixed(0)} ms of ${runs}  peak RSS ${rss.toFixed(0)} MiB`,
      );
      return ms;
    };
    const base = report('bare split + JSON.parse', parse);
    const baseSync = report('the same, synchronous reads', parseSync);
    const full = report('replay (full pipeline)', replay);
    // This machine's speed drifts within seconds: each replay run is compared
    // with the bare run just before it, and the median of those ratios is the figure.
    const pairs = replay.map((r, i) => r.ms / (parse[i] as Sample).ms).sort((a, b) => a - b);
    console.log(
      `ratio replay / bare parse, in process: ${median(pairs).toFixed(3)} (median of ${pairs.length} back-to-back pairs, range ${pairs[0]?.toFixed(3)}-${pairs.at(-1)?.toFixed(3)}; ratio of medians ${(full / base).toFixed(3)}; target <= 1.25)`,
    );
    const strict = replay.map((r, i) => r.ms / (parseSync[i] as Sample).ms).sort((a, b) => a - b);
    console.log(
      `ratio replay / bare parse with synchronous reads, in process: ${median(strict).toFixed(3)} (range ${strict[0]?.toFixed(3)}-${strict.at(-1)?.toFixed(3)}; ratio of medians ${(full / baseSync).toFixed(3)})`,
    );
    // Whole processes, start-up included: `replay FILE` against a bare loop in
    // a script of its own that loads nothing else (this file's child mode
    // loads the exporter's modules, which would flatter the ratio).
    const bare = join(dir, 'bare-loop.mjs');
    writeFileSync(bare, BARE_LOOP);
    const whole: number[] = [];
    const cpuShare: number[] = [];
    for (let i = 0; i < runs; i++) {
      const bareMs = wallMs([bare, file]);
      whole.push(wallMs([EXPORTER_CLI, 'replay', file]) / bareMs);
      cpuShare.push(cpuMs([EXPORTER_CLI, 'replay', file]) / bareMs);
    }
    console.log(
      `ratio replay FILE / bare loop, whole processes: ${median(whole).toFixed(3)} (median of ${runs} back-to-back pairs, range ${Math.min(...whole).toFixed(3)}-${Math.max(...whole).toFixed(3)}; target <= 1.25)`,
    );
    // What no division of the same work over threads can beat: the CPU time
    // replay spends (all its threads) spread evenly over every core, against
    // the bare loop's wall time. Moving work to threads also adds the cost
    // of handing records between them, which this leaves out.
    const cores = availableParallelism();
    console.log(
      `CPU time of replay FILE (all threads) / wall time of the bare loop: ${median(cpuShare).toFixed(3)}; spread perfectly over this machine's ${cores} cores: ${(median(cpuShare) / cores).toFixed(3)}`,
    );
    startUp(dir, 20);
    if (process.env.BENCH_INSTRUCTIONS === '1') instructionRatios(dir, file, bare);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string, process.argv[4] as string);
} else {
  await main();
}
