/**
 * The exporter's HTTP server on 127.0.0.1, port 0, fed by a real counting:
 * /metrics in the text format (and through promtool's lint), /readyz as the
 * readiness it is handed says, /healthz, the landing page, 404.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { fixtureLine, freshCore, silentLogger } from '../helpers/exposition.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('HTTP server', () => {
  let server: RunningServer;
  let ready = false;

  beforeAll(async () => {
    const core = freshCore();
    for (const name of ['task-exited.json', 'task-failed-to-start.json', 'task-stopped-oom.json']) {
      core.pipeline.handle(fixtureLine(name));
    }
    core.pipeline.handle('not json');
    server = await startServer(
      {
        render: (format, onChunk, keep) => core.render(format, onChunk, keep),
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({
          ok: ready,
          reason: ready ? 'every shard read' : 'shards not read yet',
        }),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
    );
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 and an ephemeral port', () => {
    expect(server.address.address).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body).toMatch(/^ecs_task_stopped_total\{.*reason="out_of_memory"\} 1$/m);
    expect(body).toMatch(/^ecs_events_exporter_records_total\{result="invalid"\} 1$/m);
  });

  it('passes promtool check metrics', async () => {
    expect(
      promtool,
      'promtool is needed: npm test installs it (scripts/test-prerequisites.sh)',
    ).toBe(true);
    const body = await (await fetch(`${server.url}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('answers /readyz with 503 until ready, then 200', async () => {
    // Not ready until this test says so, whichever test ran before.
    ready = false;
    const before = await fetch(`${server.url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.text()).toMatch(/shards not read yet/);
    ready = true;
    const after = await fetch(`${server.url}/readyz`);
    expect(after.status).toBe(200);
  });

  it('answers /healthz and a landing page that links to the endpoints', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const landing = await (await fetch(`${server.url}/`)).text();
    for (const path of ['metrics', 'healthz', 'readyz'])
      expect(landing).toContain(`href="${path}"`);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
