/**
 * The one place a pino logger is built. The destination is injected so tests
 * can read log lines; `pretty` renders human-readable lines for a terminal.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

import type { LogFormat, LogLevel } from './config.js';

export function createLogger(
  level: LogLevel,
  format: LogFormat,
  destination: DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  const options = { level, base: { name: 'ecs-events-exporter' } };
  if (format === 'pretty') {
    return pino(
      options,
      pretty({ destination, colorize: false, sync: true, ignore: 'pid,hostname,name' }),
    );
  }
  return pino(options, destination);
}
