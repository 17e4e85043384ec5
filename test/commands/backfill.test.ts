/**
 * History on day one, end to end: backfill a simulated archive, turn it into
 * TSDB blocks with promtool, start a real Prometheus on them, and check what
 * it answers at several instants against the exporter's own counts of the
 * records read before each instant.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTime } from '../../src/kinds/parse-time.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { CLI, runCli } from '../helpers/cli.js';
import { freshCore, promClientText, sample, sumOf } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { freePort } from '../operator/prometheus.js';

const STEP_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'backfill-test-'));
// Recent enough for any retention, in whole hours so instants are easy to name.
const START = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;
const events = generateCorpus({ tasks: 2500, seed: 21, startMs: START, meanGapMs: 4000 });
const lines = events.map((e) => JSON.stringify(e));

/** The exporter's own exposition at each instant: every record read before the first one at or after it. */
async function expectedAt(instants: readonly number[]): Promise<Map<number, string>> {
  const core = freshCore();
  const out = new Map<number, string>();
  const pending = [...instants].sort((a, b) => a - b);
  for (const line of lines) {
    const ms = parseTime((JSON.parse(line) as { time: string }).time);
    while (pending.length > 0 && ms >= (pending[0] as number)) {
      out.set(pending.shift() as number, canonicalExposition(await promClientText(core.registry)));
    }
    core.pipeline.handle(line);
  }
  for (const t of pending) out.set(t, canonicalExposition(await promClientText(core.registry)));
  return out;
}

let prometheus: ChildProcess | undefined;
let url = '';
let summary = '';

beforeAll(async () => {
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const output = join(dir, 'history.om');
  const run = runCli(['backfill', input, '--output', output, '--log-level', 'silent']);
  expect(run.status, run.stderr).toBe(0);
  summary = run.stderr;
  const blocks = spawnSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', output, join(dir, 'data')],
    {
      encoding: 'utf8',
    },
  );
  expect(blocks.status, blocks.stderr + blocks.stdout).toBe(0);
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  let log = '';
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=10y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stderr?.on('data', (d) => {
    log += d;
  });
  await waitFor(
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
      return fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    20_000,
    'Prometheus to be ready',
    200,
  );
}, 120_000);

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
});

async function api<T>(path: string): Promise<T> {
  const body = (await (await fetch(`${url}${path}`)).json()) as {
    status: string;
    data: T;
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

describe('backfill', () => {
  it('summarises what it read and wrote', () => {
    expect(summary).toMatch(
      /^ecs-events-exporter backfill: \d+ records from \S+events\.ndjson \(format ndjson\): \d+ processed, \d+ duplicate, 0 invalid, \d+ ignored; wrote \S+history\.om: \d+ instants every 60s from \S+ to \S+, \d+ samples, [\d.]+ (KiB|MiB) \(\d+ bytes\); \d+ events older than an instant already written; 0 events dated before ECS existed or after the backfill started \(counted at the next instant\); \d+ records\/s\n$/,
    );
    // Hundreds of MiB: searched as bytes, over what a string may hold.
    const bytes = readFileSync(join(dir, 'history.om'));
    expect(bytes.subarray(-6).toString()).toBe('# EOF\n');
    expect(bytes.indexOf('\n# TYPE ecs_task_stopped counter\n')).toBeGreaterThan(-1);
    expect(bytes.indexOf('\n# TYPE ecs_task_run_duration_seconds histogram\n')).toBeGreaterThan(-1);
    expect(statSync(join(dir, 'history.om')).size).toBe(
      Number(/\((\d+) bytes\)/.exec(summary)?.[1]),
    );
  });

  it('answers range queries at several instants with the counts the exporter had then', async () => {
    const last = parseTime((events[events.length - 1] as { time: string }).time);
    const spacing = Math.floor((last - START) / 6 / STEP_MS) * STEP_MS;
    const instants = [1, 2, 3, 4, 5].map((k) => START + k * spacing);
    const expected = await expectedAt(instants);
    const range = async (expr: string) =>
      (
        await api<{ result: Matrix }>(
          `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${(instants[0] as number) / 1000}&end=${(instants[4] as number) / 1000}&step=${spacing / 1000}`,
        )
      ).result;
    const stopped = await range('sum(ecs_task_stopped_total)');
    const byResult = await range('sum by (result) (ecs_events_exporter_records_total)');
    const oom = await range('sum(ecs_task_stopped_total{reason="out_of_memory"})');
    const runs = await range('sum(ecs_task_run_duration_seconds_count)');
    for (const t of instants) {
      const text = expected.get(t) as string;
      const at = (m: Matrix, labels: Record<string, string> = {}) => {
        const series = m.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
        return Number(series?.values.find(([ts]) => ts * 1000 === t)?.[1]);
      };
      expect(at(stopped), new Date(t).toISOString()).toBe(sumOf(text, 'ecs_task_stopped_total'));
      expect(at(oom)).toBe(sumOf(text, 'ecs_task_stopped_total', 'reason="out_of_memory"'));
      expect(at(runs)).toBe(sumOf(text, 'ecs_task_run_duration_seconds_count'));
      for (const result of ['processed', 'duplicate', 'ignored']) {
        expect(at(byResult, { result })).toBe(
          sample(text, `ecs_events_exporter_records_total{result="${result}"}`),
        );
      }
    }
    expect(at0(stopped)).toBeGreaterThan(0);
  });

  it('gives increase() over a window as the difference of the exporter counts at its ends', async () => {
    const end = START + 3 * 3_600_000;
    const begin = end - 30 * 60_000;
    const expected = await expectedAt([begin, end]);
    const data = await api<{ result: { value: [number, string] }[] }>(
      `/api/v1/query?query=${encodeURIComponent('sum(increase(ecs_task_stopped_total[30m]))')}&time=${end / 1000}`,
    );
    const got = Number(data.result[0]?.value[1]);
    const want =
      sumOf(expected.get(end) as string, 'ecs_task_stopped_total') -
      sumOf(expected.get(begin) as string, 'ecs_task_stopped_total');
    expect(want).toBeGreaterThan(10);
    expect(got).toBeCloseTo(want, 6);
  });

  it('counts events with impossible times without writing an instant per step up to them', () => {
    // Events with one whose time is decades ahead in the middle, one decades
    // ago at the start and one more ahead: followed, each would write
    // millions of instants (or put the whole history in 2099).
    const base = START + 10 * 60_000;
    const few = generateCorpus({ tasks: 20, seed: 5, startMs: base, meanGapMs: 60_000 });
    const stamped = (i: number, time: string) => {
      const event = structuredClone(few[i]) as { id: string; time: string };
      event.id = `future-${i}`;
      event.time = time;
      return JSON.stringify(event);
    };
    const far = [stamped(0, '1970-01-01T00:00:00Z'), stamped(1, '2099-01-01T00:00:00Z')];
    const middle = Math.floor(few.length / 2);
    const input = [
      ...far,
      ...few.slice(0, middle).map((e) => JSON.stringify(e)),
      stamped(middle, '2999-12-31T23:59:59Z'),
      ...few.slice(middle).map((e) => JSON.stringify(e)),
    ];
    const file = join(dir, 'future.ndjson');
    writeFileSync(file, `${input.join('\n')}\n`);
    const output = join(dir, 'future.om');
    // At the default log level: nothing is logged but the summary (joining
    // the families' parts once added listeners per part, and Node warned).
    // Bounded: following one of those times never ends (spawnSync holds the
    // event loop, so the test's own timeout could not stop it).
    const run = spawnSync(process.execPath, [CLI, 'backfill', file, '--output', output], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(run.status, `${run.error ?? ''} ${run.stderr}`).toBe(0);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /; 3 events dated before ECS existed or after the backfill started \(counted at the next instant\);/,
    );
    const first = parseTime((few[0] as { time: string }).time);
    const last = Math.max(...few.map((e) => parseTime((e as { time: string }).time)));
    const instants = Number(/: (\d+) instants every 60s/.exec(run.stderr)?.[1]);
    expect(instants).toBe(Math.floor(last / STEP_MS) - Math.floor(first / STEP_MS) + 1);
    // Both are counted: at the last instant the records total is every line.
    const latest = new Map<string, number>();
    const samples = readFileSync(output, 'utf8').matchAll(
      /^ecs_events_exporter_records_total\{result="(\w+)"\} (\d+) /gm,
    );
    for (const [, result, value] of samples) latest.set(result as string, Number(value));
    expect([...latest.values()].reduce((n, v) => n + v, 0)).toBe(input.length);
  });
});

function at0(m: Matrix): number {
  return Number(m[0]?.values[0]?.[1]);
}
