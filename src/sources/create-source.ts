/**
 * The sources `run` can read, and the one it reads: the first whose option
 * is set. Adding a source is its folder with a factory, and a line here.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { KINESIS_SOURCE } from './kinesis/kinesis-factory.js';
import { type OpenedSource, type SourceFactory, SourceUnavailable } from './source-factory.js';

export const SOURCES: readonly SourceFactory<Config>[] = [KINESIS_SOURCE];

/** Opens the chosen source; rejects with SourceUnavailable when it cannot start or none is chosen. */
export async function openSource(
  config: Config,
  logger: Logger,
  sources: readonly SourceFactory<Config>[] = SOURCES,
): Promise<OpenedSource> {
  const factory = sources.find((s) => s.chosen(config));
  if (factory === undefined) {
    throw new SourceUnavailable(
      `no source configured (one of: ${sources.map((s) => s.name).join(', ')})`,
    );
  }
  return factory.open(config, logger);
}
