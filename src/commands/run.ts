/** `run`: consume the Kinesis stream, serve /metrics until a signal. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { WebConfig } from '../http/web-config.js';
import { DEFAULT_STOPPED_RETENTION_MS } from '../kinds/task-state-change/tracker.js';
import { streamNameOf } from '../sources/kinesis/checkpointer.js';
import { createKinesisClient } from '../sources/kinesis/kinesis-client.js';
import { ShardLister } from '../sources/kinesis/lister.js';
import { formatStartPosition } from '../sources/kinesis/start-position.js';
import { checkStore, DurableState } from '../state/durable-state.js';
import { FileStateStore } from '../state/file-state-store.js';
import { createS3Client } from '../state/s3-client.js';
import { S3StateStore } from '../state/s3-state-store.js';
import { registerStateMetrics } from '../state/state-metrics.js';
import type { Io } from './io.js';
import { createLease, runWithLease } from './lease-run.js';
import {
  createKinesisReading,
  readWebConfig,
  StartupCheckFailed,
  shutdown,
  signalled,
  startExporter,
} from './serve.js';

/** The state file of a stream: named after the stream name, also when given as an ARN. */
export function stateFileName(stream: string): string {
  return `kinesis-checkpoint-${streamNameOf(stream).replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export async function run(config: Config, logger: Logger, _io: Io): Promise<number> {
  const stream = config.stream as string;
  let web: WebConfig | undefined;
  try {
    web = readWebConfig(config, logger);
  } catch (err) {
    logger.error(`cannot start: ${(err as Error).message}`);
    return 2;
  }
  const client = createKinesisClient(
    config.kinesisEndpoint === undefined ? {} : { endpoint: config.kinesisEndpoint },
  );
  try {
    await client.config.region();
  } catch {
    logger.error(
      'cannot start: no AWS region: set AWS_REGION (or a region in the shared AWS config)',
    );
    return 2;
  }
  // Checked before anything else: a state location that cannot be written
  // must stop the start, not give counters that never move.
  const lease = createLease(config, logger);
  const store =
    config.stateUrl !== undefined
      ? new S3StateStore({
          client: createS3Client(),
          location: config.stateUrl,
          logger: logger.child({ component: 'state' }),
          // Under a lease the pointer is kept in the lease item, where moving it is fenced.
          ...(lease === undefined ? {} : { pointer: lease }),
        })
      : config.stateDir !== undefined
        ? new FileStateStore({ directory: config.stateDir, fileName: stateFileName(stream) })
        : undefined;
  if (store !== undefined) {
    try {
      await checkStore(store);
      if (lease !== undefined) await checkStore(lease);
    } catch (err) {
      logger.error(`cannot start: ${(err as Error).message}`);
      return 2;
    }
  }
  let retentionMs = config.stoppedTaskRetentionMs;
  if (retentionMs === undefined) {
    const streamMs = await new ShardLister({ client, stream }).describeRetentionMs();
    retentionMs = Math.max(DEFAULT_STOPPED_RETENTION_MS, streamMs ?? 0);
    logger.info(
      {
        stoppedTaskRetentionHours: retentionMs / 3_600_000,
        streamRetentionHours: streamMs === undefined ? null : streamMs / 3_600_000,
      },
      streamMs === undefined
        ? 'stopped tasks kept 24 h: the stream retention could not be read'
        : 'stopped tasks kept for the stream retention (at least 24 h)',
    );
  }
  if (lease !== undefined && store instanceof S3StateStore) {
    return runWithLease({ config, logger, client, retentionMs, store, lease, web });
  }
  const { counting, source } = createKinesisReading(config, logger, client, retentionMs);
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
  logger.info(
    { stream, startPosition: formatStartPosition(config.startPosition) },
    'reading stream',
  );
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
