/**
 * The one reader of flags and environment: defaults per command, a flag over
 * its variable, every problem at once, durations and listen addresses, and
 * --help listing every option with its variable. No server.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/base/option-spec.js';
import { DEFAULT_PORT, helpText, loadConfig, OPTIONS } from '../src/config.js';

describe('loadConfig', () => {
  it('has defaults for every command', () => {
    const run = loadConfig('run', ['--stream', 'events'], {});
    expect(run.ok && run.config.startPosition).toEqual({ type: 'LATEST' });
    expect(run.ok && run.config.stateDir).toBeUndefined();
    expect(run.ok && run.config.listenAddress).toEqual({ host: '0.0.0.0', port: DEFAULT_PORT });
    const demo = loadConfig('demo', [], {});
    expect(demo.ok && demo.config.listenAddress).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT });
    const replay = loadConfig('replay', ['-'], {});
    expect(replay.ok && replay.positionals).toEqual(['-']);
    expect(replay.ok && replay.config.maxTrackedTasks).toBeGreaterThanOrEqual(100_000);
    // Undefined: run takes the stream's retention (at least 24 h); replay and demo 24 h.
    expect(replay.ok && replay.config.stoppedTaskRetentionMs).toBeUndefined();
  });

  it('reads the environment, and a flag wins over it', () => {
    const env = {
      ECS_EXPORTER_LISTEN_ADDRESS: '127.0.0.1:9000',
      ECS_EXPORTER_MAX_TRACKED_TASKS: '5',
      ECS_EXPORTER_STREAM: 'arn:aws:kinesis:eu-west-1:123456789012:stream/events',
      ECS_EXPORTER_START_POSITION: 'AT_TIMESTAMP=2026-11-01T00:00:00Z',
    };
    const fromEnv = loadConfig('run', [], env);
    expect(fromEnv.ok && fromEnv.config.listenAddress).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(fromEnv.ok && fromEnv.config.stream).toBe(env.ECS_EXPORTER_STREAM);
    expect(fromEnv.ok && fromEnv.config.startPosition).toEqual({
      type: 'AT_TIMESTAMP',
      timestamp: new Date('2026-11-01T00:00:00Z'),
    });
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
    expect(result.problems).toHaveLength(6);
    expect(result.problems.join('\n')).toMatch(
      /--stream \(or ECS_EXPORTER_STREAM\) is required for "run"/,
    );
    expect(result.problems.join('\n')).toMatch(/--bogus: unknown option/);
    expect(result.problems.join('\n')).toMatch(
      /ECS_EXPORTER_STOPPED_TASK_RETENTION: "forever" is not a duration/,
    );
    expect(result.problems.join('\n')).toMatch(/--listen-address: "nowhere" is not HOST:PORT/);
  });

  it('does not ask for required options when only help is wanted', () => {
    const help = loadConfig('run', ['--help'], {});
    expect(help.ok && help.help).toBe(true);
  });

  it('reads the Kinesis timings as durations', () => {
    const result = loadConfig(
      'run',
      [
        '--stream',
        's',
        '--idle-delay',
        '250ms',
        '--shard-list-interval',
        '30s',
        '--stall-timeout',
        '5m',
      ],
      {},
    );
    expect(
      result.ok && [
        result.config.idleDelayMs,
        result.config.shardListIntervalMs,
        result.config.stallTimeoutMs,
      ],
    ).toEqual([250, 30_000, 300_000]);
    const bad = loadConfig(
      'run',
      ['--stream', 's', '--max-records-per-call', '20000', '--checkpoint-interval', '0s'],
      {},
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toHaveLength(2);
  });

  it('keeps series for 14 days of idle event time by default, and never less than the stopped-task retention', () => {
    const plain = loadConfig('replay', ['f'], {});
    expect(plain.ok && plain.config.seriesIdleExpiryMs).toBe(14 * 86_400_000);
    // A retention above the default expiry is no problem when the expiry was not given.
    const long = loadConfig('replay', ['--stopped-task-retention', '30d', 'f'], {});
    expect(long.ok).toBe(true);
    const bad = loadConfig('replay', ['--stopped-task-retention', '2d', 'f'], {
      ECS_EXPORTER_SERIES_IDLE_EXPIRY: '1d',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toEqual([
        "ECS_EXPORTER_SERIES_IDLE_EXPIRY: 1d is less than the stopped-task retention; a workload's series must outlive its tasks' state",
      ]);
    }
  });

  it('rejects a flag of another command', () => {
    const result = loadConfig('replay', ['--listen-address', ':1', 'f'], {});
    expect(result.ok).toBe(false);
  });

  it('parses durations and listen addresses', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(() => parseDuration('3 weeks')).toThrow(/not a duration/);
    const ipv6 = loadConfig('run', ['--stream', 's', '--listen-address', '[::1]:9100'], {});
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
