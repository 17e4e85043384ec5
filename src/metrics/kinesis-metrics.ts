/**
 * Self metrics of the Kinesis source: what it read, how it called Kinesis,
 * what failed, how far behind each shard is and how old the checkpoint is.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import {
  KINESIS_BYTES_READ,
  KINESIS_CHECKPOINT_AGE,
  KINESIS_ERRORS,
  KINESIS_GET_RECORDS_CALLS,
  KINESIS_RECORDS_READ,
  KINESIS_SHARD_LAG,
  KINESIS_SHARDS_FINISHED,
  KINESIS_SHARDS_OWNED,
} from './catalog.js';
import { counter, gauge } from './create-metrics.js';

export interface KinesisMetrics {
  readonly recordsRead: Counter<'shard_id'>;
  readonly bytesRead: Counter<'shard_id'>;
  readonly getRecordsCalls: Counter<'shard_id'>;
  readonly errors: Counter<'operation' | 'shard_id' | 'code'>;
  readonly shardLag: Gauge<'shard_id'>;
  readonly shardsOwned: Gauge;
  readonly shardsFinished: Counter;
  /** Records that the stored checkpoint matched the processed positions at `ms`. */
  checkpointCurrent(ms: number): void;
}

export function createKinesisMetrics(
  registry: Registry,
  now: () => number = Date.now,
): KinesisMetrics {
  let checkpointMs: number | undefined;
  gauge(registry, KINESIS_CHECKPOINT_AGE, (g) => {
    if (checkpointMs === undefined) g.reset();
    else g.set(Math.max(0, (now() - checkpointMs) / 1000));
  });
  const shardsFinished = counter(registry, KINESIS_SHARDS_FINISHED);
  shardsFinished.inc(0);
  return {
    recordsRead: counter(registry, KINESIS_RECORDS_READ),
    bytesRead: counter(registry, KINESIS_BYTES_READ),
    getRecordsCalls: counter(registry, KINESIS_GET_RECORDS_CALLS),
    errors: counter(registry, KINESIS_ERRORS),
    shardLag: gauge(registry, KINESIS_SHARD_LAG),
    shardsOwned: gauge(registry, KINESIS_SHARDS_OWNED),
    shardsFinished,
    checkpointCurrent(ms: number) {
      checkpointMs = ms;
    },
  };
}
