/**
 * The one way into the Kinesis source: the client from the configuration
 * (checked for a region before anything else), the state file named after
 * the stream, the stream's retention, and the source with its metrics.
 * Commands reach Kinesis only through here.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { MetricRegistry } from '../../metrics/metric-registry.js';
import { type OpenedSource, type SourceFactory, SourceUnavailable } from '../source-factory.js';
import { streamNameOf } from './checkpointer.js';
import { createKinesisClient } from './kinesis-client.js';
import { createKinesisMetrics } from './kinesis-metrics.js';
import type { KinesisConfig } from './kinesis-options.js';
import { KinesisSource } from './kinesis-source.js';
import { ShardLister } from './lister.js';
import { formatStartPosition, type StartPosition } from './start-position.js';

/** The state file of a stream: named after the stream name, also when given as an ARN. */
function stateFileName(stream: string): string {
  return `kinesis-checkpoint-${streamNameOf(stream).replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

/** What is read: the configured stream, or one a command sets up itself (the demo's). */
export interface KinesisTarget {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly startPosition: StartPosition;
}

/** A Kinesis source on `target`, tuned by the configuration, its metrics on `registry`. */
export function createKinesisSource(
  config: KinesisConfig,
  logger: Logger,
  target: KinesisTarget,
  registry: MetricRegistry,
): KinesisSource {
  return new KinesisSource({
    ...target,
    logger: logger.child({ component: 'kinesis' }),
    metrics: createKinesisMetrics(registry),
    shardListIntervalMs: config.shardListIntervalMs,
    idleDelayMs: config.idleDelayMs,
    stallTimeoutMs: config.stallTimeoutMs,
    maxRecordsPerCall: config.maxRecordsPerCall,
  });
}

/** `--stream`: the Kinesis Data Stream the EventBridge rules write to. */
export const KINESIS_SOURCE: SourceFactory<KinesisConfig> = {
  name: 'kinesis',
  chosen: (config) => config.stream !== undefined,
  async open(config, logger): Promise<OpenedSource> {
    const stream = config.stream as string;
    const client = createKinesisClient(
      config.kinesisEndpoint === undefined ? {} : { endpoint: config.kinesisEndpoint },
    );
    try {
      await client.config.region();
    } catch {
      throw new SourceUnavailable(
        'no AWS region: set AWS_REGION (or a region in the shared AWS config)',
      );
    }
    const target = { client, stream, startPosition: config.startPosition };
    return {
      stateName: stateFileName(stream),
      started: {
        fields: { stream, startPosition: formatStartPosition(config.startPosition) },
        message: 'reading stream',
      },
      retentionMs: () => new ShardLister({ client, stream }).describeRetentionMs(),
      create: (registry) => createKinesisSource(config, logger, target, registry),
    };
  },
};
