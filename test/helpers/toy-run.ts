/**
 * `run` in this process with toy parts registered (test/sources/toy,
 * test/state/toy): its configuration from the usual flags, and a SIGTERM that
 * reaches run's own handler only.
 */
import { type Config, loadConfig } from '../../src/config.js';

/**
 * run's configuration from `args`, listening on 127.0.0.1:0. `--stream` is
 * still required by run's schema; a toy source, chosen first, never reads it.
 */
export function toyRunConfig(args: readonly string[]): Config {
  const loaded = loadConfig(
    'run',
    ['--stream', 'never-read', '--web.listen-address', '127.0.0.1:0', ...args],
    {},
  );
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}

/** The test runner's SIGTERM listeners, taken before any run adds its own. */
const runner = process.listeners('SIGTERM');

/** Sends SIGTERM to run's handler only: the test runner's are set aside meanwhile. */
export function terminateRun(): void {
  for (const l of runner) process.off('SIGTERM', l);
  process.emit('SIGTERM', 'SIGTERM');
  for (const l of runner) process.on('SIGTERM', l);
}
