/** `replay FILE|-`: the final exposition on stdout. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createCounting } from '../counting.js';
import { canonicalExposition } from '../metrics/canonical-exposition.js';
import { FileSource, openReplayInput } from '../sources/file/file-source.js';
import type { Io } from './io.js';

export async function replay(
  config: Config,
  path: string,
  logger: Logger,
  io: Io,
): Promise<number> {
  let source: FileSource;
  try {
    source = new FileSource(
      await openReplayInput(path, io.stdin),
      path === '-' ? 'standard input' : path,
    );
  } catch (err) {
    io.stderr.write(`ecs-events-exporter: ${(err as Error).message}\n`);
    return 2;
  }
  const counting = createCounting(config, logger, false);
  await source.start(counting.sink, undefined);
  await source.finished;
  io.stdout.write(canonicalExposition(await counting.exposition()));
  return 0;
}
