/**
 * `replay`: standard input and files, any order of lines, the exit codes and
 * one-line errors of a missing file or bad options, help, and that it loads no
 * prom-client, HTTP stack, AWS SDK or pino-pretty. Runs the built CLI, no server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { CLI, runCli } from '../helpers/cli.js';
import { fixtureLine, sample, sumOf } from '../helpers/exposition.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-test-'));

describe('ecs-events-exporter replay', () => {
  it('reads standard input with -, skipping blank lines, counting each record once', () => {
    const input = [
      fixtureLine('task-exited.json'),
      '',
      fixtureLine('task-failed-to-start.json'),
      '   ',
      '{broken',
      fixtureLine('task-exited.json'),
      JSON.stringify({
        source: 'aws.ecs',
        'detail-type': 'ECS A Detail-Type Not Read',
        detail: {},
      }),
      '',
    ].join('\n');
    const { status, stdout } = runCli(['replay', '-', '--log-level', 'silent'], input);
    expect(status).toBe(0);
    expect(sample(stdout, 'ecs_events_exporter_records_total{result="processed"}')).toBe(2);
    expect(sample(stdout, 'ecs_events_exporter_records_total{result="duplicate"}')).toBe(1);
    expect(sample(stdout, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(1);
    expect(sample(stdout, 'ecs_events_exporter_records_total{result="ignored"}')).toBe(1);
    expect(sumOf(stdout, 'ecs_task_stopped_total')).toBe(2);
    // Replay output is a pure function of the events: no build info, no delivery lag.
    expect(stdout).not.toMatch(/^ecs_events_exporter_build_info/m);
    expect(sample(stdout, 'ecs_events_exporter_event_delivery_lag_seconds_count')).toBe(0);
  });

  it('gives the same output for a file in any order of its lines', () => {
    const lines = generateCorpus({ tasks: 300, seed: 42 }).map((e) => JSON.stringify(e));
    const forward = join(dir, 'forward.ndjson');
    const backward = join(dir, 'backward.ndjson');
    writeFileSync(forward, `${lines.join('\n')}\n`);
    writeFileSync(backward, `${[...lines].reverse().join('\n')}\n`);
    const a = runCli(['replay', forward]);
    const b = runCli(['replay', backward]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(sumOf(a.stdout, 'ecs_task_stopped_total')).toBeGreaterThan(250);
    expect(
      sample(a.stdout, 'ecs_events_exporter_records_total{result="duplicate"}'),
    ).toBeGreaterThan(0);
  });

  it('fails with one clear line and exit code 2 on a missing file', () => {
    const { status, stdout, stderr } = runCli(['replay', join(dir, 'missing.ndjson')]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `ecs-events-exporter: cannot replay ${join(dir, 'missing.ndjson')}: no such file\n`,
    );
  });

  it('fails with exit code 2 on an empty directory, no file, or bad options', () => {
    const empty = runCli(['replay', mkdtempSync(join(tmpdir(), 'replay-empty-'))]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/: no files in it\n$/);
    expect(runCli(['replay']).status).toBe(2);
    const bad = runCli(['replay', '-', '--max-tracked-tasks', 'lots', '--nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--max-tracked-tasks: "lots" is not a positive integer/);
    expect(bad.stderr).toMatch(/--nope: unknown option/);
  });

  it('prints help for the command and for the program', () => {
    const help = runCli(['replay', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: ecs-events-exporter replay FILE\|DIR\|-/);
    expect(help.stdout).toMatch(/ECS_EXPORTER_MAX_TRACKED_TASKS/);
    const top = runCli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/Commands:/);
    expect(runCli(['frobnicate']).status).toBe(2);
  });
});

describe('what replay loads', () => {
  it('runs without loading prom-client, the HTTP stack, the AWS SDK or pino-pretty', () => {
    // A preload that lists, at exit, the CommonJS modules the process loaded
    // (these packages are CommonJS: an ES import of them goes through this cache).
    const preload = join(dir, 'loaded-modules.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n",
    );
    const file = join(dir, 'loads.ndjson');
    writeFileSync(file, `${fixtureLine('task-exited.json')}\n`);
    const withInvalid = join(dir, 'loads-invalid.ndjson');
    writeFileSync(withInvalid, `${fixtureLine('task-exited.json')}\nnot json\n`);
    const loadedBy = (args: string[]) => {
      const result = spawnSync(process.execPath, ['-r', preload, CLI, ...args], {
        encoding: 'utf8',
      });
      const line = result.stderr.split('\n').find((l) => l.startsWith('LOADED ')) as string;
      return {
        status: result.status,
        stderr: result.stderr,
        modules: JSON.parse(line.slice(7)) as string[],
      };
    };
    const heavy = /node_modules\/(prom-client|express|@aws-sdk|@smithy|pino-pretty|kinesalite)\//;
    const loadsPino = (modules: string[]) => modules.some((m) => m.includes('node_modules/pino/'));
    const replay = loadedBy(['replay', file]);
    expect(replay.status).toBe(0);
    expect(replay.modules.filter((m) => heavy.test(m))).toEqual([]);
    // A clean replay logs nothing, so it never builds its logger.
    expect(loadsPino(replay.modules)).toBe(false);
    // The same check sees packages where they are loaded: an invalid record is
    // logged, as JSON by pino, and pretty logs load pino-pretty too.
    const invalid = loadedBy(['replay', withInvalid]);
    expect(invalid.status).toBe(0);
    expect(loadsPino(invalid.modules)).toBe(true);
    const logged = invalid.stderr.split('\n').find((l) => l.includes('invalid record skipped'));
    expect(JSON.parse(logged as string)).toMatchObject({ level: 40, reason: 'not JSON' });
    expect(invalid.modules.filter((m) => heavy.test(m))).toEqual([]);
    const pretty = loadedBy(['replay', withInvalid, '--log-format', 'pretty']);
    expect(pretty.modules.some((m) => m.includes('node_modules/pino-pretty/'))).toBe(true);
  });
});
