/**
 * The stores `run` can keep its state in, and the one it keeps it in: the
 * first whose option is set, or none (nothing kept). Adding a store is its
 * class, its option and a line here.
 */
import type { Logger } from 'pino';
import { FileStateStore } from './file-state-store.js';
import { createS3Client } from './s3-client.js';
import type { S3Location } from './s3-location.js';
import { S3StateStore } from './s3-state-store.js';
import type { StateStore } from './state-store.js';

/** The configuration fields the stores read. */
export interface StoreConfig {
  readonly stateDir: string | undefined;
  readonly stateUrl: S3Location | undefined;
}

export interface StoreFactory<C> {
  /** For logs and tests: `file`, `s3`, … */
  readonly name: string;
  /** Whether the configuration asks for this store: its option is set. */
  chosen(config: C): boolean;
  /** The store; `stateName` names the state of the source read, for a store that keeps one per source. */
  create(config: C, logger: Logger, stateName: string): StateStore;
}

/** `--state-url`: objects in S3 named by a pointer beside them (or in the lease). */
export const S3_STORE: StoreFactory<StoreConfig> = {
  name: 's3',
  chosen: (config) => config.stateUrl !== undefined,
  create: (config, logger) =>
    new S3StateStore({
      client: createS3Client(),
      location: config.stateUrl as S3Location,
      logger: logger.child({ component: 'state' }),
    }),
};

/** `--state-dir`: one file per source under a directory. */
export const FILE_STORE: StoreFactory<StoreConfig> = {
  name: 'file',
  chosen: (config) => config.stateDir !== undefined,
  create: (config, _logger, stateName) =>
    new FileStateStore({ directory: config.stateDir as string, fileName: stateName }),
};

export const STORES: readonly StoreFactory<StoreConfig>[] = [S3_STORE, FILE_STORE];

/** The chosen store, or undefined when none is configured. */
export function createStore<C extends StoreConfig>(
  config: C,
  logger: Logger,
  stateName: string,
  stores: readonly StoreFactory<C>[] = STORES,
): StateStore | undefined {
  return stores.find((s) => s.chosen(config))?.create(config, logger, stateName);
}
