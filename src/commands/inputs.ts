/**
 * What `replay` and `backfill` share before and after reading: the inputs
 * named on the command line (exit status 2 and one line when they cannot be
 * found), and the one line for input that cannot be read.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ArchiveFormatError } from '../sources/file/archive-format.js';
import { type ReplayInput, ReplayInputError, replayInputs } from '../sources/file/file-source.js';
import type { Io } from './io.js';

/** The inputs of `path`, or the error line written and undefined. */
async function inputsOrError(path: string, io: Io): Promise<readonly ReplayInput[] | undefined> {
  try {
    return await replayInputs(path, io.stdin);
  } catch (err) {
    io.stderr.write(`ecs-events-exporter: ${(err as Error).message}\n`);
    return undefined;
  }
}

/** Exit status 2 and one line for input that cannot be read or has no known format. */
export function inputFailure(err: unknown, io: Io): number {
  if (err instanceof ArchiveFormatError || err instanceof ReplayInputError) {
    io.stderr.write(`ecs-events-exporter: ${err.message}\n`);
    return 2;
  }
  throw err;
}

/** A reading command over the inputs of its path: `body` runs once they are found. */
export function overInputs(
  body: (
    inputs: readonly ReplayInput[],
    config: Config,
    path: string,
    logger: Logger,
    io: Io,
  ) => Promise<number>,
): (config: Config, path: string, logger: Logger, io: Io) => Promise<number> {
  return async (config, path, logger, io) => {
    const inputs = await inputsOrError(path, io);
    if (inputs === undefined) return 2;
    return body(inputs, config, path, logger, io);
  };
}
