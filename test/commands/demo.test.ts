/**
 * `demo`: task metrics within seconds from its embedded kinesalite, a clean
 * stop on SIGTERM, --kinesis-endpoint against a kinesalite started here, and
 * the words it gives without the development dependencies.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { exited, runCli, startCli } from '../helpers/cli.js';
import { sumOf } from '../helpers/exposition.js';
import { createStream, startKinesisServer } from '../helpers/kinesis-server.js';

const DEMO_ARGS = ['--web.listen-address', '127.0.0.1:0', '--tasks-per-second', '20'];
/** The line the demo prints: the landing page first, then /metrics. */
const READY = /recent failures at (http:\/\/127\.0\.0\.1:\d+)\/ and metrics at \1\/metrics/;

/** Scrapes until tasks have been counted through to STOPPED (at most 10 s). */
async function scrapeUntilCounted(url: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 50; i++) {
    text = await (await fetch(`${url}/metrics`)).text();
    if (
      sumOf(text, 'ecs_task_stopped_total') > 0 &&
      sumOf(text, 'ecs_task_startup_duration_seconds_count') > 0
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return text;
}

describe('ecs-events-exporter demo', () => {
  it('serves non-zero task metrics within seconds, and stops cleanly on SIGTERM', async () => {
    const { child, match } = await startCli(['demo', ...DEMO_ARGS, '--log.level', 'warn'], READY);
    try {
      const url = match[1] as string;
      const text = await scrapeUntilCounted(url);
      expect(sumOf(text, 'ecs_task_state_transitions_total')).toBeGreaterThan(0);
      expect(sumOf(text, 'ecs_task_stopped_total')).toBeGreaterThan(0);
      expect(
        sumOf(text, 'ecs_events_exporter_records_total', 'result="processed"'),
      ).toBeGreaterThan(0);
      expect(text).toMatch(
        /^ecs_events_exporter_build_info\{version="[^"]+",nodejs_version="v\d+/m,
      );
      // The demo reads a real local Kinesis stream, as `run` does.
      expect(text).toMatch(/^ecs_events_exporter_kinesis_shards_owned 4$/m);
      expect(sumOf(text, 'ecs_events_exporter_kinesis_records_read_total')).toBeGreaterThan(0);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('with --kinesis-endpoint uses that server, keeps a stream that exists there, and leaves the server running', async () => {
    const kinesis = await startKinesisServer();
    try {
      await createStream(kinesis.admin, 'ecs-task-events', 2);
      const { child, match, output } = await startCli(
        ['demo', ...DEMO_ARGS, '--kinesis-endpoint', kinesis.endpoint],
        READY,
      );
      try {
        const text = await scrapeUntilCounted(match[1] as string);
        expect(sumOf(text, 'ecs_task_stopped_total')).toBeGreaterThan(0);
        // The existing 2-shard stream, not a new one of the default 4.
        expect(text).toMatch(/^ecs_events_exporter_kinesis_shards_owned 2$/m);
        expect(output()).toContain(`at ${kinesis.endpoint}`);
        expect(output()).toMatch(/"existed":true/);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited(child)).toBe(0);
      const streams = await kinesis.admin.send(new ListStreamsCommand({}));
      expect(streams.StreamNames).toEqual(['ecs-task-events']);
    } finally {
      await kinesis.close();
    }
  });

  it('rejects a --kinesis-endpoint that is not an http URL', () => {
    const result = runCli(['demo', '--kinesis-endpoint', 'kinesis:4567']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--kinesis-endpoint: "kinesis:4567" is not');
  });

  it('without the development dependencies, says how to get a Kinesis-API server', () => {
    // dist/ beside a node_modules that has every package but kinesalite, as a
    // production install has.
    const dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-prod-'));
    try {
      cpSync(fileURLToPath(new URL('../../dist/', import.meta.url)), join(dir, 'dist'), {
        recursive: true,
      });
      cpSync(
        fileURLToPath(new URL('../../package.json', import.meta.url)),
        join(dir, 'package.json'),
      );
      const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
      mkdirSync(join(dir, 'node_modules'));
      for (const name of readdirSync(modules)) {
        if (name !== 'kinesalite' && !name.startsWith('.'))
          symlinkSync(join(modules, name), join(dir, 'node_modules', name));
      }
      const result = spawnSync(process.execPath, [join(dir, 'dist/cli.js'), 'demo', ...DEMO_ARGS], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('development dependency');
      expect(result.stderr).toContain('npm ci');
      expect(result.stderr).toContain('--kinesis-endpoint URL');
      // One line, no stack trace: it is a setup problem, not a crash.
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
