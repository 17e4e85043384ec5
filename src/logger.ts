/**
 * The one place a pino logger is built. The destination is injected so tests
 * can read log lines; `pretty` renders human-readable lines for a terminal.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
