/**
 * The one place a pino logger is built. The destination is injected so tests
 * can read log lines; `pretty` renders human-readable lines for a terminal.
 * pino and pino-pretty are CommonJS packages, required only when a logger is
 * built: pino-pretty only for `--log-format pretty`, and neither by a
 * command that logs only when something goes wrong (`deferredLogger`).
 */
import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';
import type pinoPretty from 'pino-pretty';

import type { LogFormat, LogLevel } from './config.js';

const require = createRequire(import.meta.url);

function buildLogger(
  level: LogLevel,
  format: LogFormat,
  destination: DestinationStream | undefined,
): Logger {
  const { pino } = require('pino') as typeof import('pino');
  const dest = destination ?? pino.destination({ dest: 2, sync: true });
  const options = { level, base: { name: 'ecs-events-exporter' } };
  if (format === 'pretty') {
    const pretty = require('pino-pretty') as typeof pinoPretty;
    return pino(
      options,
      pretty({ destination: dest, colorize: false, sync: true, ignore: 'pid,hostname,name' }),
    );
  }
  return pino(options, dest);
}

export async function createLogger(
  level: LogLevel,
  format: LogFormat,
  destination?: DestinationStream,
): Promise<Logger> {
  return buildLogger(level, format, destination);
}

/**
 * A logger built on its first use: for `replay` and `backfill`, which log
 * only invalid records and warnings, so a clean run never loads pino (about
 * a sixth of a replay's start-up). Logs exactly as `createLogger`'s would.
 */
export function deferredLogger(
  level: LogLevel,
  format: LogFormat,
  destination?: DestinationStream,
): Logger {
  let real: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, property) {
      real ??= buildLogger(level, format, destination);
      const value = Reflect.get(real, property, real) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
}

/**
 * Node's process warnings (the AWS SDK's notice about Node.js versions among
 * them) as log lines of the chosen format instead of plain text on stderr,
 * so `--log-format json` output stays JSON line by line.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const code = (warning as { code?: unknown }).code;
    logger.warn(
      { warning: warning.name, ...(typeof code === 'string' ? { code } : {}) },
      warning.message.replace(/\s+/g, ' ').trim(),
    );
  });
}
