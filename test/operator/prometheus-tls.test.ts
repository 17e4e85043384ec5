/**
 * A real Prometheus scrapes the exporter through TLS (verifying the server
 * certificate against the test CA) with basic auth, as a scrape
 * configuration for an exporter-toolkit exporter would; a job without the
 * password sees the target down with 401.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { loadWebConfig } from '../../src/http/web-config.js';
import { fixtureLine, freshCore, silentLogger } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { type RunningPrometheus, startPrometheus } from './prometheus.js';

interface Target {
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
  readonly scrapeUrl: string;
}

describe('Prometheus scraping through TLS and basic auth', () => {
  let certs: TestCertificates;
  let dir: string;
  let exporter: RunningServer;
  const prometheus: RunningPrometheus[] = [];

  beforeAll(async () => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-prometheus-tls-'));
    writeFileSync(
      join(dir, 'web.yml'),
      [
        'tls_server_config:',
        `  cert_file: ${certs.certFile}`,
        `  key_file: ${certs.keyFile}`,
        'basic_auth_users:',
        `  prometheus: ${bcrypt.hashSync('scrape-password', 10)}`,
        '',
      ].join('\n'),
    );
    const core = freshCore();
    core.pipeline.handle(fixtureLine('task-stopped-oom.json'));
    exporter = await startServer(
      {
        render: (format, onChunk, keep) => core.render(format, onChunk, keep),
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({ ok: true, reason: 'ready' }),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
      loadWebConfig(join(dir, 'web.yml')),
    );
  });

  afterAll(async () => {
    await Promise.all(prometheus.map((p) => p.stop()));
    await exporter?.close();
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const scrapedBy = async (job: string, scrape: Record<string, unknown>) => {
    const p = await startPrometheus({
      job,
      targets: [`127.0.0.1:${exporter.address.port}`],
      ruleFiles: {},
      intervalSeconds: 1,
      scrape,
    });
    prometheus.push(p);
    let target: Target | undefined;
    await waitFor(
      async () => {
        const data = await p.api<{ activeTargets: Target[] }>('/api/v1/targets');
        target = data.activeTargets.find((t) => t.labels.job === job);
        return target !== undefined && target.health !== 'unknown';
      },
      20_000,
      `Prometheus to scrape ${job}`,
      200,
    );
    return { p, target: target as Target };
  };

  it('is up with scheme https, the CA in tls_config and basic_auth', async () => {
    const { p, target } = await scrapedBy('ecs-events-exporter', {
      scheme: 'https',
      tls_config: { ca_file: certs.caFile },
      basic_auth: { username: 'prometheus', password: 'scrape-password' },
    });
    expect(target.scrapeUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(target.health, `${target.lastError}\n${p.log()}`).toBe('up');
    const up = await p.query('up{job="ecs-events-exporter"}');
    expect(up.map((s) => s.value[1])).toEqual(['1']);
    const stopped = await p.query('sum(ecs_task_stopped_total{reason="out_of_memory"})');
    expect(stopped.map((s) => s.value[1])).toEqual(['1']);
  });

  it('is down with 401 when the scrape job has a wrong password', async () => {
    const { target } = await scrapedBy('wrong-password', {
      scheme: 'https',
      tls_config: { ca_file: certs.caFile },
      basic_auth: { username: 'prometheus', password: 'guess' },
    });
    expect(target.health).toBe('down');
    expect(target.lastError).toMatch(/401/);
  });
});
