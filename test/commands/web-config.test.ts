/**
 * --web.config.file at the CLI: a bad file or a bcrypt cost above the maximum
 * stops the start with exit 2 and one line, before reaching AWS; `demo` serves
 * HTTPS with basic auth and an open /healthz (certificates made for the test).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { httpsGet, makeCertificates, type TestCertificates } from '../helpers/tls.js';

describe('--web.config.file', () => {
  let certs: TestCertificates;
  let dir: string;

  beforeAll(() => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-cli-web-'));
  });
  afterAll(() => {
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the start with exit 2 and one log line for a bad file, before reaching AWS', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, `tls_server_config:\n  cert_file: ${certs.certFile}\n  keyfile: x\n`);
    for (const [args, env] of [
      [['run', '--stream', 'ecs-task-events', '--web.config.file', bad], {}],
      [['run', '--stream', 'ecs-task-events'], { ECS_EXPORTER_WEB_CONFIG_FILE: bad }],
      [['demo', '--web.config.file', join(dir, 'missing.yml')], {}],
    ] as const) {
      const result = runCli([...args], undefined, { AWS_REGION: 'us-east-1', ...env });
      expect(result.status, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/cannot start: web config \S+: /);
    }
    const result = runCli(['run', '--stream', 's', '--web.config.file', bad], undefined, {
      AWS_REGION: 'us-east-1',
    });
    expect(result.stderr).toMatch(/unknown key tls_server_config\.keyfile/);
    expect(result.stderr).toMatch(/key_file \(or key\) is required for TLS/);
  });

  it('stops the start with exit 2 and one line for a bcrypt cost above the maximum', () => {
    const slow = join(dir, 'slow.yml');
    // Cost 31 would run for days per login: refused at start, not at the first request.
    writeFileSync(slow, `basic_auth_users:\n  alice: $2y$31$${'a'.repeat(53)}\n`);
    const result = runCli(['demo', '--web.config.file', slow]);
    expect(result.status, result.stderr).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/basic_auth_users\.alice: bcrypt cost 31 is above 12/);
  });

  it('demo serves https with basic auth, /healthz open', async () => {
    const web = join(dir, 'web.yml');
    writeFileSync(
      web,
      [
        'tls_server_config:',
        `  cert_file: ${certs.certFile}`,
        `  key_file: ${certs.keyFile}`,
        'basic_auth_users:',
        `  prometheus: ${bcrypt.hashSync('pw', 4)}`,
        '',
      ].join('\n'),
    );
    const { child, match } = await startCli(
      ['demo', '--web.listen-address', '127.0.0.1:0', '--log.level', 'warn'],
      /(https:\/\/127\.0\.0\.1:\d+)\/metrics/,
      { ECS_EXPORTER_WEB_CONFIG_FILE: web },
    );
    try {
      const url = match[1] as string;
      const get = (path: string, auth?: string) =>
        httpsGet(`${url}${path}`, { caFile: certs.caFile, ...(auth ? { auth } : {}) });
      // Open: the probe's own verdict (503 until the first read), never a 401.
      const health = await get('/healthz');
      expect(health.body).toMatch(/^(ok|not ok): /);
      expect(health.status).not.toBe(401);
      expect((await get('/metrics')).status).toBe(401);
      const ok = await get('/metrics', 'prometheus:pw');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/^ecs_events_exporter_build_info/m);
      // The image's HEALTHCHECK (on this port) asks /healthz over HTTPS too.
      const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
      const command = JSON.parse(
        /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile)?.[1] as string,
      ) as string[];
      const port = new URL(url).port;
      const script = (command[2] as string).replaceAll(':9847/', `:${port}/`);
      await waitFor(
        async () => (await get('/healthz')).status === 200,
        15_000,
        '/healthz to be ok',
        200,
      );
      expect(spawnSync(process.execPath, ['-e', script]).status).toBe(0);
      expect(
        spawnSync(process.execPath, ['-e', script.replaceAll(`:${port}/`, ':1/')]).status,
      ).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });
});
