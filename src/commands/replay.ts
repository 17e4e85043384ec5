/** `replay FILE|DIR|-`: the final exposition on stdout, a one-line summary on stderr. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createCounting } from '../counting.js';
import { canonicalExposition } from '../metrics/canonical-exposition.js';
import { ArchiveFormatError } from '../sources/file/archive-format.js';
import {
  FileSource,
  type ReplayInput,
  ReplayInputError,
  replayInputs,
} from '../sources/file/file-source.js';
import type { Io } from './io.js';
import { replaySummary } from './replay-summary.js';

/** The inputs of `path`, or the error line written and undefined. */
export async function inputsOrError(
  path: string,
  io: Io,
): Promise<readonly ReplayInput[] | undefined> {
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

export async function replay(
  config: Config,
  path: string,
  logger: Logger,
  io: Io,
): Promise<number> {
  const inputs = await inputsOrError(path, io);
  if (inputs === undefined) return 2;
  const source = new FileSource(inputs, path === '-' ? 'standard input' : path);
  const counting = createCounting(config, logger, undefined);
  await source.start(counting.sink, undefined);
  try {
    await source.finished;
  } catch (err) {
    return inputFailure(err, io);
  }
  io.stdout.write(canonicalExposition(await counting.exposition()));
  io.stderr.write(replaySummary('replay', path, source.reports, counting.self.counts.records));
  return 0;
}
