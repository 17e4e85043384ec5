/**
 * The README's commands run as written. Every command line of its shell code
 * blocks is taken from the README itself and either run here, from a project
 * that installed the package (`npx ecs-events-exporter …`), or named below as
 * one that needs what a test cannot have (Docker, AWS, a running
 * Prometheus). A new kind of command line fails the test until it is one or
 * the other, so the README cannot drift from the program.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, URL_IN_LOG } from '../helpers/cli.js';
import {
  createStream,
  exporterEnv,
  type KinesisTestServer,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';
import { startPrometheus } from '../operator/prometheus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** Fenced blocks of `lang`, in order. */
function blocks(markdown: string, langs: readonly string[]): string[] {
  const found: string[] = [];
  const fence = /^```([a-z]*)\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(fence)) {
    if (langs.includes(m[1] as string)) found.push(m[2] as string);
  }
  return found;
}

/** The command lines of the README's shell blocks: continuations joined, comments dropped. */
function commandLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of blocks(markdown, ['sh', 'bash', 'shell'])) {
    const joined = block.replace(/\\\n\s*/g, '');
    for (const raw of joined.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      lines.push(line);
    }
  }
  return lines;
}

/** Command lines a test cannot run: they need Docker or AWS. */
const ELSEWHERE = [/^docker /, /^aws /];

/** Command lines that ask a running Prometheus (on its default port, which a test replaces). */
const PROMETHEUS_API = /^curl -s http:\/\/localhost:9090\//;

const SERVING = /^npx ecs-events-exporter (run|demo)\b/;

type Kind = 'npm' | 'serving' | 'exporter' | 'promtool' | 'prometheus' | 'elsewhere' | 'unknown';

function kindOf(line: string): Kind {
  if (/^npm ci && npm (run [a-z:]+|test)$/.test(line)) return 'npm';
  if (SERVING.test(line)) return 'serving';
  if (line.startsWith('npx ecs-events-exporter ')) return 'exporter';
  if (line.startsWith('promtool ')) return 'promtool';
  if (PROMETHEUS_API.test(line)) return 'prometheus';
  if (ELSEWHERE.some((p) => p.test(line))) return 'elsewhere';
  return 'unknown';
}

const LINES = commandLines(README);

let work: string;
let server: KinesisTestServer;

beforeAll(async () => {
  // A project that installed the package: node_modules/ecs-events-exporter and its bin.
  work = mkdtempSync(join(tmpdir(), 'readme-'));
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({
      name: 'readme-user',
      private: true,
      dependencies: { 'ecs-events-exporter': '*' },
    }),
  );
  mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(work, 'node_modules', 'ecs-events-exporter'));
  symlinkSync(
    '../ecs-events-exporter/dist/cli.js',
    join(work, 'node_modules', '.bin', 'ecs-events-exporter'),
  );
  // The README's paths are those of a clone.
  for (const dir of ['examples', 'deploy']) symlinkSync(join(ROOT, dir), join(work, dir));
  server = await startKinesisServer();
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function shell(line: string, env: Record<string, string> = {}) {
  const result = spawnSync('bash', ['-c', line], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, ...env, npm_config_update_notifier: 'false' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the README', () => {
  it('has command lines, each one run here or named as needing what a test cannot have', () => {
    expect(LINES.length).toBeGreaterThan(10);
    const unknown = LINES.filter((l) => kindOf(l) === 'unknown');
    expect(unknown).toEqual([]);
    // Every example of the program uses the one way to run it.
    expect(README).not.toMatch(/^\s*ecs-events-exporter /m);
    expect(README).not.toMatch(/node dist\/cli\.js/);
  });

  it('quick start names npm scripts that exist', () => {
    const npm = LINES.filter((l) => kindOf(l) === 'npm');
    expect(npm).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    for (const line of npm) {
      const script = /npm (?:run )?([a-z:]+)$/.exec(line)?.[1] as string;
      expect(SCRIPTS[script], script).toBeDefined();
    }
  });

  it.each(LINES.filter((l) => kindOf(l) === 'exporter' || kindOf(l) === 'promtool'))(
    'runs `%s` with exit status 0',
    (line) => {
      const result = shell(line);
      expect(result.stderr).not.toMatch(/command not found|deprecated/);
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      expect(result.stdout.length + result.stderr.length).toBeGreaterThan(0);
    },
  );

  it('shows the last lines of check-pattern as the program prints them', () => {
    const shown = blocks(README, ['text']).find((b) => b.includes('note: not sent'));
    expect(shown).toBeDefined();
    const line = LINES.find((l) => /check-pattern examples\/task-rule\.json$/.test(l));
    const out = shell(line as string)
      .stdout.trimEnd()
      .split('\n');
    expect(out.slice(-2).join('\n')).toBe(shown?.trimEnd());
  });

  it.each(LINES.filter((l) => kindOf(l) === 'prometheus'))(
    'finds the data directory of a running Prometheus with `%s`',
    async (line) => {
      const prometheus = await startPrometheus({
        job: 'readme',
        targets: [],
        ruleFiles: {},
        intervalSeconds: 60,
      });
      try {
        const result = shell(line.replace('http://localhost:9090', prometheus.url));
        expect(result.status, result.stderr).toBe(0);
        const flags = await prometheus.api<Record<string, string>>('/api/v1/status/flags');
        expect(flags['storage.tsdb.path']).toMatch(/\/data$/);
        expect(result.stdout.trim()).toBe(`"storage.tsdb.path":"${flags['storage.tsdb.path']}"`);
      } finally {
        await prometheus.stop();
      }
    },
    30_000,
  );

  it("shows check-pattern's output in docs/deployment.md as the program prints it", () => {
    const guide = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8');
    const texts = blocks(guide, ['text']);
    const sample = texts.find((b) => b.startsWith('$ npx ecs-events-exporter check-pattern '));
    expect(sample).toBeDefined();
    const [command, ...output] = (sample as string).split('\n');
    const run = shell((command as string).slice(2));
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(output.join('\n'));
    const drops = texts.find((b) => b.startsWith('DROPS: '));
    const stoppedOnly = shell(
      `echo '{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}' | npx ecs-events-exporter check-pattern -`,
    );
    expect(stoppedOnly.status).toBe(1);
    expect(stoppedOnly.stdout.trimEnd().split('\n').at(-1)).toBe(drops?.trimEnd());
  });

  it.each(LINES.filter((l) => kindOf(l) === 'serving'))(
    'serves with `%s`',
    async (line) => {
      const env: Record<string, string> = {};
      const stream = /--stream (\S+)/.exec(line)?.[1];
      if (stream !== undefined) {
        await createStream(server.admin, stream, 1);
        Object.assign(env, exporterEnv(server));
      }
      // Port 0: tests run side by side; the rest of the line is the README's.
      const child: ChildProcess = spawn(
        'bash',
        ['-c', `${line} --web.listen-address 127.0.0.1:0`],
        {
          cwd: work,
          env: { ...process.env, ...env, npm_config_update_notifier: 'false' },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      let output = '';
      child.stdout?.on('data', (d) => {
        output += d;
      });
      child.stderr?.on('data', (d) => {
        output += d;
      });
      try {
        await waitFor(() => URL_IN_LOG.test(output), 30_000, `${line} to serve`);
        const url = URL_IN_LOG.exec(output)?.[1] as string;
        await waitFor(
          async () => (await fetch(`${url}/readyz`)).status === 200,
          30_000,
          `${line} to be ready`,
        );
        expect((await fetch(`${url}/`)).status).toBe(200);
        expect(await (await fetch(`${url}/metrics`)).text()).toContain(
          'ecs_events_exporter_records_total',
        );
        expect(output).not.toMatch(/deprecated/);
      } finally {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        await exited(child);
      }
    },
    90_000,
  );

  it('runs from a clone with npx after npm ci (the package links its own bin)', () => {
    const result = spawnSync('npx', ['--no-install', 'ecs-events-exporter', 'version'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('the package', () => {
  it('is publishable with what users want: the program, docs, dashboards, rules and templates', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        npm_config_update_notifier: 'false',
        npm_config_ignore_scripts: 'true',
      },
    });
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    for (const wanted of [
      'dist/cli.js',
      'README.md',
      'docs/metrics.md',
      'examples/events.ndjson',
      'grafana/dashboards/ecs-tasks.json',
      'deploy/prometheus/rules/ecs-events-exporter.rules.yaml',
      'deploy/cloudformation/ecs-events-exporter.yaml',
    ]) {
      expect(files).toContain(wanted);
    }
    expect(files.filter((f) => /^(src|test|tools|node_modules)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      description: string;
      bin: Record<string, string>;
    };
    expect(pkg.bin['ecs-events-exporter']).toBe('dist/cli.js');
    for (const kind of [
      'task state changes',
      'deployment state changes',
      'service actions',
      'container instance state changes',
    ]) {
      expect(pkg.description).toContain(kind);
    }
  });
});
