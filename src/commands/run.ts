/** `run`: read the configured source, serve /metrics until a signal. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { WebConfig } from '../http/web-config.js';
import { DEFAULT_STOPPED_RETENTION_MS } from '../kinds/task-state-change/tracker.js';
import type { DynamoLease } from '../leases/lease.js';
import { openSource, SOURCES } from '../sources/create-source.js';
import {
  type OpenedSource,
  type SourceFactory,
  SourceUnavailable,
} from '../sources/source-factory.js';
import { createStore, STORES, type StoreConfig, type StoreFactory } from '../state/create-store.js';
import { checkStore, DurableState } from '../state/durable-state.js';
import { registerStateMetrics } from '../state/state-metrics.js';
import { isSharedStore, type StateStore } from '../state/state-store.js';
import type { Io } from './io.js';
import { createLease, runWithLease } from './lease-run.js';
import {
  createReading,
  readWebConfig,
  StartupCheckFailed,
  shutdown,
  signalled,
  startExporter,
} from './serve.js';

/** The sources and stores `run` chooses from; tests add their own. */
export interface RunParts {
  readonly sources: readonly SourceFactory<Config>[];
  readonly stores: readonly StoreFactory<Config & StoreConfig>[];
}

const PARTS: RunParts = { sources: SOURCES, stores: STORES };

/**
 * The stopped-task retention: as configured, else the source's retention
 * (never below 24 h), else 24 h. Logged when it follows the source.
 */
async function retentionFor(
  config: Config,
  logger: Logger,
  opened: OpenedSource,
): Promise<number | undefined> {
  if (config.stoppedTaskRetentionMs !== undefined || opened.retentionMs === undefined) {
    return config.stoppedTaskRetentionMs;
  }
  const streamMs = await opened.retentionMs();
  logger.info(
    {
      stoppedTaskRetentionHours: Math.max(DEFAULT_STOPPED_RETENTION_MS, streamMs ?? 0) / 3_600_000,
      streamRetentionHours: streamMs === undefined ? null : streamMs / 3_600_000,
    },
    streamMs === undefined
      ? 'stopped tasks kept 24 h: the stream retention could not be read'
      : 'stopped tasks kept for the stream retention (at least 24 h)',
  );
  return Math.max(DEFAULT_STOPPED_RETENTION_MS, streamMs ?? 0);
}

export async function run(
  config: Config,
  logger: Logger,
  _io: Io,
  parts: RunParts = PARTS,
): Promise<number> {
  let web: WebConfig | undefined;
  let opened: OpenedSource;
  try {
    web = readWebConfig(config, logger);
    opened = await openSource(config, logger, parts.sources);
  } catch (err) {
    if (!(err instanceof StartupCheckFailed || err instanceof SourceUnavailable)) throw err;
    logger.error(`cannot start: ${err.message}`);
    return 2;
  }
  // Checked before anything else: a state location that cannot be written
  // must stop the start, not give counters that never move.
  let store: StateStore | undefined = createStore(config, logger, opened.stateName, parts.stores);
  let lease: DynamoLease | undefined;
  if (config.leaseTable !== undefined && store !== undefined) {
    // Two replicas writing one state without a fence would overwrite each other's saves.
    if (!isSharedStore(store)) {
      logger.error(
        `cannot start: --lease-table needs a state store replicas can share; ${store.description} cannot keep its pointer in the lease`,
      );
      return 2;
    }
    lease = createLease(config, logger, config.leaseTable, store.sharedLocation);
    // Under a lease the pointer is kept in the lease item, where moving it is fenced.
    store = store.withPointer(lease);
  }
  if (store !== undefined) {
    try {
      await checkStore(store);
      if (lease !== undefined) await checkStore(lease);
    } catch (err) {
      logger.error(`cannot start: ${(err as Error).message}`);
      return 2;
    }
  }
  const retentionMs = await retentionFor(config, logger, opened);
  if (lease !== undefined && store !== undefined) {
    return runWithLease({ config, logger, opened, retentionMs, store, lease, web });
  }
  const { counting, source } = createReading(config, logger, opened, retentionMs);
  let durable: DurableState | undefined;
  if (store === undefined) {
    logger.warn(
      'no --state-dir or --state-url: positions and counts are not kept, a restart starts from zero at --start-position',
    );
  } else {
    durable = new DurableState({
      store,
      counting,
      source,
      intervalMs: config.checkpointIntervalMs,
      logger,
    });
    const state = durable;
    registerStateMetrics(counting.registry, () => state.status);
  }
  logger.info(opened.started.fields, opened.started.message);
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  try {
    exporter = await startExporter(config, logger, counting, source, durable, web);
  } catch (err) {
    const message = (err as Error).message;
    logger.error(`cannot start: ${message}`);
    return err instanceof StartupCheckFailed ? 2 : 1;
  }
  await signalled(logger);
  return shutdown(logger, exporter.stop);
}
