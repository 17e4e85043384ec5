/**
 * The HTTP server with a web config (certificates made for the test):
 * HTTPS, basic auth and its 401 challenge, open probes, plain HTTP refused on
 * the TLS port, and client certificates with each client_auth_type.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALM } from '../../src/http/basic-auth.js';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { loadWebConfig, type WebConfig } from '../../src/http/web-config.js';
import { fixtureLine, freshCore, silentLogger } from '../helpers/exposition.js';
import { httpsGet, makeCertificates, type TestCertificates } from '../helpers/tls.js';

const basic = (user: string, password: string) => `${user}:${password}`;

async function serve(web: WebConfig): Promise<RunningServer> {
  const core = freshCore();
  core.pipeline.handle(fixtureLine('task-stopped-oom.json'));
  return startServer(
    {
      render: (format, onChunk, keep) => core.render(format, onChunk, keep),
      health: () => ({ ok: true, reason: 'reading' }),
      readiness: () => ({ ok: true, reason: 'every shard read' }),
    },
    { host: '127.0.0.1', port: 0 },
    silentLogger,
    web,
  );
}

describe('HTTPS with basic auth (--web-config-file)', () => {
  let certs: TestCertificates;
  let dir: string;
  let server: RunningServer;
  let mtls: RunningServer;
  let authOnly: RunningServer;
  let ifGiven: RunningServer;
  let anyCert: RunningServer;

  beforeAll(async () => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-tls-auth-'));
    const hash = bcrypt.hashSync('s3cret', 10);
    const file = (name: string, lines: string[]) => {
      writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
      return loadWebConfig(join(dir, name));
    };
    const tls = [
      'tls_server_config:',
      `  cert_file: ${certs.certFile}`,
      `  key_file: ${certs.keyFile}`,
    ];
    server = await serve(
      file('web.yml', [
        ...tls,
        'http_server_config:',
        '  headers:',
        '    X-Content-Type-Options: nosniff',
        'basic_auth_users:',
        `  prometheus: ${hash}`,
      ]),
    );
    mtls = await serve(
      file('mtls.yml', [
        ...tls,
        `  client_ca_file: ${certs.caFile}`,
        '  client_auth_type: RequireAndVerifyClientCert',
      ]),
    );
    authOnly = await serve(file('auth.yml', ['basic_auth_users:', `  prometheus: ${hash}`]));
    ifGiven = await serve(
      file('if-given.yml', [
        ...tls,
        `  client_ca_file: ${certs.caFile}`,
        '  client_auth_type: VerifyClientCertIfGiven',
      ]),
    );
    anyCert = await serve(file('any.yml', [...tls, '  client_auth_type: RequireAnyClientCert']));
  });

  afterAll(async () => {
    await Promise.all([server, mtls, authOnly, ifGiven, anyCert].map((s) => s?.close()));
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https and /metrics with the right password', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsGet(`${server.url}/metrics`, {
      caFile: certs.caFile,
      auth: basic('prometheus', 's3cret'),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^ecs_task_stopped_total\{.*reason="out_of_memory"\} 1$/m);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 401 with a WWW-Authenticate challenge without credentials or with a wrong one', async () => {
    for (const auth of [undefined, basic('prometheus', 'wrong'), basic('mallory', 's3cret')]) {
      const answer = await httpsGet(`${server.url}/metrics`, {
        caFile: certs.caFile,
        ...(auth === undefined ? {} : { auth }),
      });
      expect(answer.status, String(auth)).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Basic realm="${REALM}", charset="UTF-8"`);
      expect(answer.body).not.toMatch(/ecs_task/);
    }
    // The landing page and unknown paths too: only the probes are open.
    for (const path of ['/', '/nope', '/Metrics', '/metrics/', '/healthz/../metrics']) {
      const answer = await httpsGet(`${server.url}${path}`, { caFile: certs.caFile });
      expect(answer.status, path).toBe(401);
    }
  });

  it('leaves /healthz and /readyz open for probes', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await httpsGet(`${server.url}${path}`, { caFile: certs.caFile });
      expect(answer.status, path).toBe(200);
    }
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const plain = server.url.replace(/^https:/, 'http:');
    await expect(fetch(`${plain}/metrics`)).rejects.toThrow();
    // What comes back to an HTTP request is never an HTTP answer.
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(server.address.port, '127.0.0.1', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(reply).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('serves basic auth over plain HTTP when the file has no TLS section', async () => {
    expect(authOnly.url).toMatch(/^http:/);
    expect((await fetch(`${authOnly.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${authOnly.url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from('prometheus:s3cret').toString('base64')}` },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${authOnly.url}/healthz`)).status).toBe(200);
  });

  it('requires a client certificate signed by client_ca_file with RequireAndVerifyClientCert', async () => {
    const ok = await httpsGet(`${mtls.url}/metrics`, {
      caFile: certs.caFile,
      cert: certs.clientCertFile,
      key: certs.clientKeyFile,
    });
    expect(ok.status).toBe(200);
    await expect(httpsGet(`${mtls.url}/metrics`, { caFile: certs.caFile })).rejects.toThrow();
    // A certificate the CA signed for a server, not for a client.
    await expect(
      httpsGet(`${mtls.url}/metrics`, {
        caFile: certs.caFile,
        cert: certs.certFile,
        key: certs.keyFile,
      }),
    ).rejects.toThrow();
  });

  it('checks the policies Node has no option for once the handshake is done', async () => {
    const client = { cert: certs.clientCertFile, key: certs.clientKeyFile };
    const serverCert = { cert: certs.certFile, key: certs.keyFile };
    const get = (url: string, extra: { cert?: string; key?: string } = {}) =>
      httpsGet(`${url}/metrics`, { caFile: certs.caFile, ...extra });
    // VerifyClientCertIfGiven: none is fine, a valid one is fine, an invalid one is not.
    expect((await get(ifGiven.url)).status).toBe(200);
    expect((await get(ifGiven.url, client)).status).toBe(200);
    await expect(get(ifGiven.url, serverCert)).rejects.toThrow();
    // RequireAnyClientCert: any certificate, not verified; none is refused.
    expect((await get(anyCert.url, serverCert)).status).toBe(200);
    await expect(get(anyCert.url)).rejects.toThrow();
  });
});
