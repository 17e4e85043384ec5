/**
 * `run` against kinesalite: every shard read to the totals replay gives,
 * promtool's lint on the live exposition, a restart on the same state
 * directory, LATEST, a missing stream, and the refusals at the start. Each
 * test has a stream of its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_METRIC_CATALOG } from '../../src/metrics/catalog.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { METRIC_CATALOG } from '../../tools/catalog.js';
import { runCli } from '../helpers/cli.js';
import { expositionOf, sample, sumOf, taskLines } from '../helpers/exposition.js';
import {
  exporterEnv,
  type KinesisTestServer,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';
import { addStream, type LocalStream, startRun } from '../helpers/run-exporter.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

let kinesis: KinesisTestServer;
let streams = 0;
/** A stream of 4 shards no other test writes to. */
const newStream = (): Promise<LocalStream> => addStream(kinesis, `ecs-task-events-${++streams}`, 4);

beforeAll(async () => {
  kinesis = await startKinesisServer();
});

afterAll(async () => {
  await kinesis?.close();
});

const recordsRead = (text: string) => sumOf(text, 'ecs_events_exporter_records_total');

function lines(seed: number, tasks: number): string[] {
  return generateCorpus({ tasks, seed, startMs: Date.now() - 3_600_000 }).map((e) =>
    JSON.stringify(e),
  );
}

describe('ecs-events-exporter run', () => {
  const first = lines(1, 150);
  const second = lines(2, 60);

  it('reads every shard to the exact totals replay gives for the same events', async () => {
    const stream = await newStream();
    await stream.put(first);
    const run = await startRun(stream);
    try {
      // Stopped tasks are kept for the stream's own retention, read at start.
      expect(run.log()).toMatch(
        /"stoppedTaskRetentionHours":24,"streamRetentionHours":24,.*"msg":"stopped tasks kept for the stream retention/,
      );
      await waitFor(async () => recordsRead(await run.metrics()) === first.length, 20_000);
      const live = await run.metrics();
      expect(taskLines(live)).toBe(taskLines(await expositionOf(first)));
      expect(sample(live, 'ecs_events_exporter_kinesis_shards_owned')).toBe(4);
      // Every family of the catalog, the Kinesis ones included, passes promtool's lint live.
      // Every family but those of active/standby, exposed only with --lease-table.
      for (const spec of METRIC_CATALOG.filter((m) => !LEASE_METRIC_CATALOG.includes(m)))
        expect(live).toContain(`# TYPE ${spec.name} ${spec.type}\n`);
      expect(live).toMatch(/^ecs_events_exporter_kinesis_shard_lag_seconds\{shard_id="[^"]+"\} /m);
      {
        expect(promtool, 'promtool is needed: npm test installs it').toBe(true);
        const check = spawnSync('promtool', ['check', 'metrics'], {
          input: live,
          encoding: 'utf8',
        });
        expect(`${check.stdout}${check.stderr}`).toBe('');
        expect(check.status).toBe(0);
      }
      expect((await fetch(`${run.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${run.url}/healthz`)).status).toBe(200);
    } finally {
      run.stop();
    }
    const started = Date.now();
    expect(await run.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const checkpoint = join(run.stateDir as string, `kinesis-checkpoint-${stream.name}.json`);
    expect(existsSync(checkpoint)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(checkpoint, 'utf8')).position.shards)).toHaveLength(
      4,
    );
  });

  it('after SIGTERM, a restart on the same state dir continues the counts, reading only what came after', async () => {
    const stream = await newStream();
    await stream.put(first);
    const before = await startRun(stream);
    try {
      await waitFor(async () => recordsRead(await before.metrics()) === first.length, 20_000);
    } finally {
      before.stop();
    }
    expect(await before.exited).toBe(0);
    await stream.put(second);
    // TRIM_HORIZON would re-read everything: the checkpoint must win over it.
    const run = await startRun(stream, { state: { dir: before.stateDir as string } });
    try {
      const both = [...first, ...second];
      await waitFor(async () => recordsRead(await run.metrics()) >= both.length, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      const live = await run.metrics();
      // The counters went on from the saved state; each record counted once.
      expect(recordsRead(live)).toBe(both.length);
      expect(sumOf(live, 'ecs_events_exporter_kinesis_records_read_total')).toBe(second.length);
      expect(taskLines(live)).toBe(taskLines(await expositionOf(both)));
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
  });

  it('with LATEST on a fresh state dir, reads only records put after it started', async () => {
    const stream = await newStream();
    // Records from before the start: LATEST must skip them.
    await stream.put(lines(4, 10));
    const run = await startRun(stream, { args: ['--start-position', 'LATEST'] });
    try {
      await waitFor(async () => (await fetch(`${run.url}/readyz`)).status === 200, 20_000);
      const third = lines(3, 20);
      await stream.put(third);
      await waitFor(async () => recordsRead(await run.metrics()) >= third.length, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(recordsRead(await run.metrics())).toBe(third.length);
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
  });

  it('reports a missing stream in /readyz without crashing', async () => {
    const missing: LocalStream = { ...(await newStream()), name: 'no-such-stream' };
    const run = await startRun(missing);
    try {
      await waitFor(
        async () => /not found/.test(await (await fetch(`${run.url}/readyz`)).text()),
        10_000,
      );
      expect((await fetch(`${run.url}/readyz`)).status).toBe(503);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
  });

  it('refuses to start without a stream or a region, with exit code 2', () => {
    const env = exporterEnv(kinesis);
    const STREAM = 'ecs-task-events';
    const noStream = runCli(['run'], undefined, env);
    expect(noStream.status).toBe(2);
    expect(noStream.stderr).toMatch(/--stream \(or ECS_EXPORTER_STREAM\) is required/);
    const noRegion = runCli(['run', '--stream', STREAM], undefined, {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_PROFILE: '',
    });
    expect(noRegion.status).toBe(2);
    expect(noRegion.stderr).toMatch(/no AWS region/);
    const badPosition = runCli(
      ['run', '--stream', STREAM, '--start-position', 'YESTERDAY'],
      undefined,
      env,
    );
    expect(badPosition.status).toBe(2);
    expect(badPosition.stderr).toMatch(/--start-position: invalid start position "YESTERDAY"/);
  });
});
