/**
 * Self metrics of the Kinesis source: what it read, how it called Kinesis,
 * what failed and how far behind each shard is. (The age of the saved state
 * belongs to whoever saves it.)
 */
import type { Counter, Gauge } from 'prom-client';
import {
  KINESIS_BYTES_READ,
  KINESIS_ERRORS,
  KINESIS_GET_RECORDS_CALLS,
  KINESIS_RECORDS_READ,
  KINESIS_SHARD_LAG,
  KINESIS_SHARDS_FINISHED,
  KINESIS_SHARDS_OWNED,
} from '../../metrics/catalog.js';
import { counter, gauge } from '../../metrics/collectors.js';
import type { MetricRegistry } from '../../metrics/metric-registry.js';

export interface KinesisMetrics {
  readonly recordsRead: Counter<'shard_id'>;
  readonly bytesRead: Counter<'shard_id'>;
  readonly getRecordsCalls: Counter<'shard_id'>;
  readonly errors: Counter<'operation' | 'shard_id' | 'code'>;
  readonly shardLag: Gauge<'shard_id'>;
  readonly shardsOwned: Gauge;
  readonly shardsFinished: Counter;
}

export function createKinesisMetrics(registry: MetricRegistry): KinesisMetrics {
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
  };
}
