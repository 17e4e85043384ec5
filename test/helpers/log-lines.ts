/** A pino logger whose JSON lines a test reads back, parsed, from `lines`. */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export function capturingLogger(level = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}
