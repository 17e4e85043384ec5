#!/usr/bin/env node
/**
 * Command line: picks the command, reads configuration, loads only the
 * chosen command's module and runs it, and turns configuration problems into
 * one message and exit status 2.
 */

import {
  CONFIGURED_COMMANDS,
  type Command,
  isCommand,
  OTHER_COMMANDS,
} from './base/command-names.js';
import type { Io } from './commands/io.js';
import { helpText, loadConfig } from './config.js';

const COMMANDS: Record<Command, { usage: string; purpose: string; summary: string }> = {
  run: {
    usage: 'run --stream NAME|ARN [options]',
    purpose: 'read the Kinesis stream your EventBridge rules write to and serve the metrics',
    summary:
      'Consume every shard of the Kinesis Data Stream the EventBridge rules write to, and serve /metrics, /healthz, /readyz and a landing page of recent failures. AWS region, credentials and endpoint come the standard SDK way (AWS_REGION, the default credential chain, AWS_ENDPOINT_URL_KINESIS) or --kinesis-endpoint.',
  },
  replay: {
    usage: 'replay FILE|DIR|- [options]',
    purpose: 'print the metrics that archived events give (a dry run on your own events)',
    summary:
      'Read archived EventBridge events from FILE, every file under DIR, or - for standard input, apply the counting rules and print the final metrics in the Prometheus text format. The format of each file is detected: one event per line, pretty-printed or back-to-back JSON, a JSON array, CloudWatch Logs export lines (TIMESTAMP {event}), the JSON output of aws logs filter-log-events or get-log-events, or any of these gzip-compressed. Ends with a one-line summary on standard error.',
  },
  backfill: {
    usage: 'backfill FILE|DIR|- --output FILE [options]',
    purpose: 'turn archived events into Prometheus history (OpenMetrics for promtool)',
    summary:
      'Read archived events as replay does and write the metrics as they stood at every --step of event time, in the OpenMetrics text format with timestamps, for promtool tsdb create-blocks-from openmetrics. Ends with a one-line summary (records, instants, output size) on standard error.',
  },
  demo: {
    usage: 'demo [options]',
    purpose: 'try it locally: a simulated ECS account feeding a local Kinesis stream',
    summary:
      'Start a local Kinesis-API server with a stream, a simulator putting a realistic mix of ECS events into it (task lifecycles, deployments that complete or roll back, service actions, container instances), and the exporter reading it as `run` does. Prints the URLs of the landing page and of /metrics.',
  },
};

const OTHER_PURPOSES: Record<(typeof OTHER_COMMANDS)[number], string> = {
  'check-pattern':
    'check an EventBridge event pattern or CloudFormation template: does it\n                 send the exporter every event it counts?',
  version: 'print the version',
};

const PURPOSES: readonly [string, string][] = [
  ...CONFIGURED_COMMANDS.map((c): [string, string] => [c, COMMANDS[c].purpose]),
  ...OTHER_COMMANDS.map((c): [string, string] => [c, OTHER_PURPOSES[c]]),
];

const USAGE = `Usage: ecs-events-exporter <command> [options]

Turns Amazon ECS events from EventBridge, read from a Kinesis Data Stream, into
Prometheus metrics: task state changes, deployment state changes, service actions
and container instance state changes, and for ECS Managed Instances daemon
deployments, daemon service actions, instance health changes and hook state changes.

Commands:
${PURPOSES.map(([word, purpose]) => `  ${word.padEnd(15)}${purpose}`).join('\n')}

Run "ecs-events-exporter <command> --help" for the usage and options of a command.
`;

const VERSION_HELP = `Usage: ecs-events-exporter version

Prints the version of ecs-events-exporter (also: ecs-events-exporter --version).

Options:
  -h, --help
      Show this help.
`;

/**
 * Ends a serving command's process with its status. Work still pending after
 * the shutdown (a file system call that never returns, an open connection)
 * must not keep the process alive.
 */
function endProcess(code: number): never {
  process.exit(code);
}

async function main(argv: string[], io: Io): Promise<number> {
  const [word, ...rest] = argv;
  if (word === undefined || word === '--help' || word === '-h' || word === 'help') {
    io.stdout.write(USAGE);
    return word === undefined ? 2 : 0;
  }
  if (word === 'version' && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout.write(VERSION_HELP);
    return 0;
  }
  if (word === 'version' || word === '--version') {
    const { packageVersion } = await import('./version.js');
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (word === 'check-pattern') {
    const { checkPattern } = await import('./commands/check-pattern.js');
    return checkPattern(rest, io);
  }
  if (!isCommand(word)) {
    io.stderr.write(`ecs-events-exporter: unknown command "${word}"\n\n${USAGE}`);
    return 2;
  }
  const command: Command = word;
  const loaded = loadConfig(command, rest, process.env);
  if (!loaded.ok) {
    io.stderr.write(
      `ecs-events-exporter ${command}: invalid configuration:\n${loaded.problems.map((p) => `  ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  if (loaded.help) {
    io.stdout.write(helpText(command, COMMANDS[command].usage, COMMANDS[command].summary));
    return 0;
  }
  const { config, positionals } = loaded;
  const reading = command === 'replay' || command === 'backfill';
  if (!reading && positionals.length > 0) {
    io.stderr.write(`ecs-events-exporter ${command}: unexpected argument "${positionals[0]}"\n`);
    return 2;
  }
  const { createLogger, deferredLogger, logProcessWarnings } = await import('./logger.js');
  // Reading commands log only what goes wrong: their logger is built when first used.
  const logger = reading
    ? deferredLogger(config.logLevel, config.logFormat)
    : await createLogger(config.logLevel, config.logFormat);
  logProcessWarnings(logger);
  for (const { flag, use } of loaded.deprecated) {
    logger.warn({ flag, use }, `${flag} is deprecated; use ${use}`);
  }
  switch (command) {
    case 'replay':
    case 'backfill': {
      if (positionals.length !== 1) {
        io.stderr.write(
          `ecs-events-exporter ${command}: expects exactly one FILE or DIR, or - for standard input\n`,
        );
        return 2;
      }
      if (command === 'backfill') {
        const { backfill } = await import('./commands/backfill.js');
        return backfill(config, positionals[0] as string, logger, io);
      }
      const { replay } = await import('./commands/replay.js');
      return replay(config, positionals[0] as string, logger, io);
    }
    case 'demo': {
      const { demo } = await import('./commands/demo.js');
      return endProcess(await demo(config, logger, io));
    }
    case 'run': {
      const { run } = await import('./commands/run.js');
      return endProcess(await run(config, logger, io));
    }
  }
}

main(process.argv.slice(2), {
  // process.stdin is built on first access (a few ms): only reading `-` needs it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ecs-events-exporter: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
