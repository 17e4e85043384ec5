/**
 * The one place a pino logger is built. The destination is injected so tests
 * can read log lines; `pretty` renders human-readable lines for a terminal.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

import type { LogFormat, LogLevel } from './config.js';

/** pino-pretty is loaded only for `--log-format pretty`, so the JSON default starts faster. */
export async function createLogger(
  level: LogLevel,
  format: LogFormat,
  destination: DestinationStream = pino.destination({ dest: 2, sync: true }),
): Promise<Logger> {
  const options = { level, base: { name: 'ecs-events-exporter' } };
  if (format === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    return pino(
      options,
      pretty({ destination, colorize: false, sync: true, ignore: 'pid,hostname,name' }),
    );
  }
  return pino(options, destination);
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
