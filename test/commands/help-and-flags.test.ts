/**
 * The command line as a new user meets it: help per command lists only what
 * that command takes, with the command's own defaults; the Prometheus-style
 * flag names are the documented ones and the former names still work, with
 * one deprecation warning each.
 */
import { describe, expect, it } from 'vitest';
import { type Command, defaultFor, loadConfig, OPTIONS } from '../../src/config.js';
import { runCli } from '../helpers/cli.js';

const COMMANDS: readonly Command[] = ['run', 'replay', 'backfill', 'demo'];

function optionsIn(help: string): string[] {
  return [...help.matchAll(/^ {2}(--[a-z.-]+) /gm)].map((m) => m[1] as string);
}

describe('help per command', () => {
  it.each(COMMANDS)('%s --help lists exactly the options it takes, with its own defaults', (c) => {
    const help = runCli([c, '--help']);
    expect(help.status).toBe(0);
    const taken = OPTIONS.filter((o) => o.commands.includes(c));
    expect(optionsIn(help.stdout).sort()).toEqual(taken.map((o) => o.flag).sort());
    for (const option of taken) {
      const value = defaultFor(option, c);
      if (value === undefined) continue;
      const block = help.stdout.slice(help.stdout.indexOf(`  ${option.flag} `));
      expect(block.split('\n')[1]).toContain(`(default ${value})`);
    }
  });

  it('gives demo its own listen address and leaves out what demo does not take', () => {
    const help = runCli(['demo', '--help']).stdout;
    expect(help).toContain('(default 127.0.0.1:9847)');
    expect(help).not.toContain('0.0.0.0:9847');
    expect(help).not.toContain('--checkpoint-interval');
    expect(help).not.toContain('--state-dir');
    const run = runCli(['run', '--help']).stdout;
    expect(run).toContain('(default 0.0.0.0:9847)');
    expect(run).toContain('--kinesis-endpoint URL');
    expect(run).toContain('--checkpoint-interval');
  });

  it('says what each command is for, and version --help prints help', () => {
    const top = runCli(['--help']).stdout;
    for (const word of ['run', 'replay', 'backfill', 'demo', 'check-pattern', 'version']) {
      expect(top).toMatch(new RegExp(`^ {2}${word} +[a-z]+ .{10,}`, 'm'));
    }
    expect(top).toMatch(/deployment state changes, service actions\s+and container instance/);
    const version = runCli(['version', '--help']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^Usage: ecs-events-exporter version/);
    expect(runCli(['version']).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('Prometheus-style flag names', () => {
  it('takes --web.listen-address, --web.config.file, --log.level and --log.format, with = too', () => {
    const loaded = loadConfig(
      'run',
      [
        '--stream',
        's',
        '--web.listen-address=127.0.0.1:9101',
        '--web.config.file',
        'web.yml',
        '--log.level',
        'debug',
        '--log.format=pretty',
      ],
      {},
    );
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config.listenAddress).toEqual({ host: '127.0.0.1', port: 9101 });
    expect(loaded.config.webConfigFile).toBe('web.yml');
    expect(loaded.config.logLevel).toBe('debug');
    expect(loaded.config.logFormat).toBe('pretty');
    expect(loaded.deprecated).toEqual([]);
  });

  it('keeps the former names, noting each once', () => {
    const loaded = loadConfig(
      'run',
      ['--stream', 's', '--listen-address', ':9102', '--log-level', 'warn', '--log-level=error'],
      {},
    );
    expect(loaded.ok && loaded.config.listenAddress).toEqual({ host: '0.0.0.0', port: 9102 });
    expect(loaded.ok && loaded.config.logLevel).toBe('error');
    expect(loaded.ok && loaded.deprecated).toEqual([
      { flag: '--listen-address', use: '--web.listen-address' },
      { flag: '--log-level', use: '--log.level' },
    ]);
  });

  it('logs one deprecation warning per former name used', () => {
    const result = runCli(
      ['replay', '-', '--log-format', 'json', '--log-format', 'json'],
      '{"source":"x"}\n',
    );
    expect(result.status).toBe(0);
    const warnings = result.stderr
      .split('\n')
      .filter((l) => l.includes('is deprecated'))
      .map((l) => JSON.parse(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      flag: '--log-format',
      use: '--log.format',
      msg: '--log-format is deprecated; use --log.format',
    });
  });

  it('takes --kinesis-endpoint on run, and the former demo variable still works', () => {
    const run = loadConfig(
      'run',
      ['--stream', 's', '--kinesis-endpoint', 'http://127.0.0.1:1'],
      {},
    );
    expect(run.ok && run.config.kinesisEndpoint).toBe('http://127.0.0.1:1');
    const demo = loadConfig('demo', [], {
      ECS_EXPORTER_DEMO_KINESIS_ENDPOINT: 'http://127.0.0.1:2',
    });
    expect(demo.ok && demo.config.kinesisEndpoint).toBe('http://127.0.0.1:2');
    const both = loadConfig('demo', [], {
      ECS_EXPORTER_DEMO_KINESIS_ENDPOINT: 'http://127.0.0.1:2',
      ECS_EXPORTER_KINESIS_ENDPOINT: 'http://127.0.0.1:3',
    });
    expect(both.ok && both.config.kinesisEndpoint).toBe('http://127.0.0.1:3');
    // Only the demo read the former variable: run does not pick up a demo's emulator.
    const runWithDemoVariable = loadConfig('run', ['--stream', 's'], {
      ECS_EXPORTER_DEMO_KINESIS_ENDPOINT: 'http://127.0.0.1:2',
    });
    expect(runWithDemoVariable.ok && runWithDemoVariable.config.kinesisEndpoint).toBeUndefined();
  });
});
