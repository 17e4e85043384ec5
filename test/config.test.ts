import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, helpText, loadConfig, OPTIONS, parseDuration } from '../src/config.js';

describe('loadConfig', () => {
  it('has defaults for every command', () => {
    const run = loadConfig('run', [], {});
    expect(run.ok && run.config.listenAddress).toEqual({ host: '0.0.0.0', port: DEFAULT_PORT });
    const demo = loadConfig('demo', [], {});
    expect(demo.ok && demo.config.listenAddress).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT });
    const replay = loadConfig('replay', ['-'], {});
    expect(replay.ok && replay.positionals).toEqual(['-']);
    expect(replay.ok && replay.config.maxTrackedTasks).toBeGreaterThanOrEqual(100_000);
    expect(replay.ok && replay.config.stoppedTaskRetentionMs).toBeGreaterThanOrEqual(
      24 * 3_600_000,
    );
  });

  it('reads the environment, and a flag wins over it', () => {
    const env = {
      ECS_EXPORTER_LISTEN_ADDRESS: '127.0.0.1:9000',
      ECS_EXPORTER_MAX_TRACKED_TASKS: '5',
    };
    const fromEnv = loadConfig('run', [], env);
    expect(fromEnv.ok && fromEnv.config.listenAddress).toEqual({ host: '127.0.0.1', port: 9000 });
    const flagged = loadConfig(
      'run',
      ['--listen-address=127.0.0.2:9001', '--max-tracked-tasks', '7'],
      env,
    );
    expect(flagged.ok && flagged.config.listenAddress).toEqual({ host: '127.0.0.2', port: 9001 });
    expect(flagged.ok && flagged.config.maxTrackedTasks).toBe(7);
  });

  it('reports every problem at once', () => {
    const result = loadConfig(
      'run',
      [
        '--listen-address',
        'nowhere',
        '--max-tracked-tasks',
        '0',
        '--bogus',
        'x',
        '--log-format',
        'xml',
      ],
      { ECS_EXPORTER_STOPPED_TASK_RETENTION: 'forever' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(5);
    expect(result.problems.join('\n')).toMatch(/--bogus: unknown option/);
    expect(result.problems.join('\n')).toMatch(
      /ECS_EXPORTER_STOPPED_TASK_RETENTION: "forever" is not a duration/,
    );
    expect(result.problems.join('\n')).toMatch(/--listen-address: "nowhere" is not HOST:PORT/);
  });

  it('rejects a flag of another command', () => {
    const result = loadConfig('replay', ['--listen-address', ':1', 'f'], {});
    expect(result.ok).toBe(false);
  });

  it('parses durations and listen addresses', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(() => parseDuration('3 weeks')).toThrow(/not a duration/);
    const ipv6 = loadConfig('run', ['--listen-address', '[::1]:9100'], {});
    expect(ipv6.ok && ipv6.config.listenAddress).toEqual({ host: '::1', port: 9100 });
  });

  it('lists every option of a command in --help, with its variable', () => {
    const help = helpText('run', 'run', 'summary');
    for (const option of OPTIONS.filter((o) => o.commands.includes('run'))) {
      expect(help).toContain(option.flag);
      expect(help).toContain(option.env);
    }
  });

  it('names every variable ECS_EXPORTER_*', () => {
    for (const option of OPTIONS) expect(option.env).toMatch(/^ECS_EXPORTER_[A-Z_]+$/);
  });
});
