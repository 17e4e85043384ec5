/**
 * A real Prometheus (the system's /usr/bin/prometheus) for integration tests:
 * on 127.0.0.1, a free port and a temporary directory, with the scrape
 * targets and rule files given; stopped and removed by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../helpers/kinesis-server.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query; throws with Prometheus' error when the query is not valid. */
  query(expr: string): Promise<PromSample[]>;
  /** GET a path of the HTTP API and return its `data`. */
  api<T>(path: string): Promise<T>;
  /** Prometheus' own log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly job: string;
  readonly targets: readonly string[];
  /** Rule file name → content (YAML text). */
  readonly ruleFiles: Readonly<Record<string, string>>;
  readonly intervalSeconds: number;
  /** More settings of the scrape job (scheme, tls_config, basic_auth, ...). */
  readonly scrape?: Readonly<Record<string, unknown>>;
  /** More command-line flags, e.g. `--enable-feature=exemplar-storage`. */
  readonly extraArgs?: readonly string[];
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-prometheus-'));
  for (const [name, text] of Object.entries(options.ruleFiles)) {
    writeFileSync(join(dir, name), text);
  }
  const interval = `${options.intervalSeconds}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: Object.keys(options.ruleFiles),
      scrape_configs: [
        {
          job_name: options.job,
          static_configs: [{ targets: [...options.targets] }],
          ...options.scrape,
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      15_000,
      'Prometheus to be ready',
      200,
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    url,
    api,
    query: async (expr) => {
      const data = await api<{ resultType: string; result: PromSample[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.resultType === 'vector' ? data.result : [];
    },
    log: () => output,
    stop,
  };
}
