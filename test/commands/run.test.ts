import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_METRIC_CATALOG, METRIC_CATALOG } from '../../src/metrics/catalog.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { exited, runCli, startCli, URL_IN_LOG } from '../helpers/cli.js';
import { expositionOf, sample, sumOf, taskLines } from '../helpers/exposition.js';
import {
  createStream,
  exporterEnv,
  type KinesisTestServer,
  putRecords,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';

const STREAM = 'ecs-task-events';
const promtool = spawnSync('promtool', ['--version']).status === 0;

let server: KinesisTestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startKinesisServer();
  await createStream(server.admin, STREAM, 4);
  env = exporterEnv(server);
});

afterAll(async () => {
  await server.close();
});

const FAST = [
  '--idle-delay',
  '100ms',
  '--checkpoint-interval',
  '200ms',
  '--listen-address',
  '127.0.0.1:0',
];

function startRun(stateDir: string, startPosition: string) {
  return startCli(
    [
      'run',
      '--stream',
      STREAM,
      '--state-dir',
      stateDir,
      '--start-position',
      startPosition,
      ...FAST,
    ],
    URL_IN_LOG,
    env,
  );
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

const recordsRead = (text: string) => sumOf(text, 'ecs_events_exporter_records_total');

function lines(seed: number, tasks: number): string[] {
  return generateCorpus({ tasks, seed, startMs: Date.now() - 3_600_000 }).map((e) =>
    JSON.stringify(e),
  );
}

describe('ecs-events-exporter run', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'run-state-'));
  const first = lines(1, 150);
  const second = lines(2, 60);

  it('reads every shard to the exact totals replay gives for the same events', async () => {
    await putRecords(server.admin, STREAM, first);
    const { child, match, output } = await startRun(stateDir, 'TRIM_HORIZON');
    try {
      const url = match[1] as string;
      // Stopped tasks are kept for the stream's own retention, read at start.
      expect(output()).toMatch(
        /"stoppedTaskRetentionHours":24,"streamRetentionHours":24,.*"msg":"stopped tasks kept for the stream retention/,
      );
      await waitFor(async () => recordsRead(await metrics(url)) === first.length, 20_000);
      const live = await metrics(url);
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
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const started = Date.now();
    expect(await exited(child)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const checkpoint = join(stateDir, `kinesis-checkpoint-${STREAM}.json`);
    expect(existsSync(checkpoint)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(checkpoint, 'utf8')).position.shards)).toHaveLength(
      4,
    );
  });

  it('after SIGTERM, a restart on the same state dir continues the counts, reading only what came after', async () => {
    await putRecords(server.admin, STREAM, second);
    // TRIM_HORIZON would re-read everything: the checkpoint must win over it.
    const { child, match } = await startRun(stateDir, 'TRIM_HORIZON');
    try {
      const url = match[1] as string;
      const both = [...first, ...second];
      await waitFor(async () => recordsRead(await metrics(url)) >= both.length, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      const live = await metrics(url);
      // The counters went on from the saved state; each record counted once.
      expect(recordsRead(live)).toBe(both.length);
      expect(sumOf(live, 'ecs_events_exporter_kinesis_records_read_total')).toBe(second.length);
      expect(taskLines(live)).toBe(taskLines(await expositionOf(both)));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('with LATEST on a fresh state dir, reads only records put after it started', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'run-state-'));
    const { child, match } = await startRun(fresh, 'LATEST');
    try {
      const url = match[1] as string;
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 20_000);
      const third = lines(3, 20);
      await putRecords(server.admin, STREAM, third);
      await waitFor(async () => recordsRead(await metrics(url)) >= third.length, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(recordsRead(await metrics(url))).toBe(third.length);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('reports a missing stream in /readyz without crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-state-'));
    const { child, match } = await startCli(
      ['run', '--stream', 'no-such-stream', '--state-dir', dir, ...FAST],
      URL_IN_LOG,
      env,
    );
    try {
      const url = match[1] as string;
      await waitFor(
        async () => /not found/.test(await (await fetch(`${url}/readyz`)).text()),
        10_000,
      );
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('refuses to start without a stream or a region, with exit code 2', () => {
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
