/** `check-pattern FILE`: what EventBridge would make of an event pattern. */
import { runCheckPattern } from '../pattern/check-pattern.js';
import type { Io } from './io.js';

export async function checkPattern(args: readonly string[], io: Io): Promise<number> {
  if (args.length !== 1) {
    io.stderr.write('usage: ecs-events-exporter check-pattern FILE\n');
    return 2;
  }
  return runCheckPattern(args[0] as string, io);
}
