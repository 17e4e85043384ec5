/**
 * Builds a KinesisSource for tests with short intervals, a private registry
 * and a sink that collects what it received. The shard of each delivery is
 * the one the source counts it under (its records-read counter, incremented
 * in the delivery's synchronous step), and the harness checks that the
 * source's position of that shard moved by the end of that step: to a new
 * sequence number, or to SHARD_END for the batch that ended the shard.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, expect } from 'vitest';
import type { Json } from '../../../src/base/position.js';
import { MetricRegistry } from '../../../src/metrics/metric-registry.js';
import { isSequenceNumber, SHARD_END } from '../../../src/sources/kinesis/checkpointer.js';
import {
  createKinesisMetrics,
  type KinesisMetrics,
} from '../../../src/sources/kinesis/kinesis-metrics.js';
import {
  KinesisSource,
  type KinesisSourceOptions,
} from '../../../src/sources/kinesis/kinesis-source.js';
import type { StartPosition } from '../../../src/sources/kinesis/start-position.js';
import type { RecordSink } from '../../../src/sources/source.js';
import { type KinesisTestServer, startKinesisServer } from '../../helpers/kinesis-server.js';

export interface Delivery {
  /** The shard the record came from (worked out from the positions). */
  readonly shardId: string;
  readonly data: string;
}

export interface TestSource {
  readonly source: KinesisSource;
  readonly registry: MetricRegistry;
  readonly metrics: KinesisMetrics;
  readonly deliveries: Delivery[];
  readonly sink: RecordSink;
  /** Starts the source with the collecting sink. */
  start(position?: Json): Promise<void>;
  /** The positions table of `source.position()`. */
  positions(): Map<string, string>;
  received(): string[];
}

export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export function shardsOf(position: Json): Record<string, string> {
  return (position as { shards: Record<string, string> }).shards;
}

export function makeSource(
  client: KinesisClient,
  stream: string,
  overrides: Partial<KinesisSourceOptions> & { startPosition?: StartPosition } = {},
): TestSource {
  const registry = new MetricRegistry();
  const metrics = createKinesisMetrics(registry);
  const deliveries: Delivery[] = [];
  const decoder = new TextDecoder();
  const source = new KinesisSource({
    client,
    stream,
    startPosition: { type: 'TRIM_HORIZON' },
    logger: testLogger(),
    metrics,
    shardListIntervalMs: 200,
    idleDelayMs: 50,
    maxBackoffMs: 300,
    stallTimeoutMs: 5000,
    ...overrides,
  });
  /** The shard positions just before each batch, and once the batch's synchronous step ended. */
  const before: Record<string, string>[] = [];
  const settled: Record<string, string>[] = [];
  /** The shard each batch was counted under; the batch being delivered, between records() and the count. */
  const countedUnder: string[] = [];
  let delivering: number | undefined;
  const inc = metrics.recordsRead.inc.bind(metrics.recordsRead);
  metrics.recordsRead.inc = ((labels: { shard_id: string }, value?: number) => {
    if (delivering !== undefined) countedUnder[delivering] = labels.shard_id;
    delivering = undefined;
    inc(labels, value);
  }) as typeof metrics.recordsRead.inc;
  const shardOfBatch = (index: number): string => {
    const shardId = countedUnder[index];
    if (shardId === undefined) throw new Error(`batch ${index}: not counted under a shard`);
    const from = before[index]?.[shardId];
    const to = (settled[index] ?? shardsOf(source.position()))[shardId];
    if (to === undefined || to === from || !(isSequenceNumber(to) || to === SHARD_END)) {
      throw new Error(
        `batch ${index}: the position of ${shardId} did not move with the batch (${from} to ${to})`,
      );
    }
    return shardId;
  };
  const sink: RecordSink = {
    records(batch) {
      const index = before.length;
      before.push(shardsOf(source.position()));
      delivering = index;
      queueMicrotask(() => {
        settled[index] = shardsOf(source.position());
      });
      for (const data of batch) {
        const text = typeof data === 'string' ? data : decoder.decode(data);
        deliveries.push({
          data: text,
          get shardId() {
            return shardOfBatch(index);
          },
        });
      }
    },
    oversized() {
      throw new Error('no record is too large here');
    },
  };
  return {
    source,
    registry,
    metrics,
    deliveries,
    sink,
    start: (position) => source.start(sink, position),
    positions: () => new Map(Object.entries(shardsOf(source.position()))),
    received: () => deliveries.map((d) => d.data),
  };
}

/** Sum of a counter's values whose labels match. */
export async function metricSum(
  registry: MetricRegistry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(
        ([k, want]) => (v.labels as Record<string, unknown>)[k] === want,
      ),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

export function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}

/** Each partition key's records arrive in the order they were put. */
export function expectOrderPerKey(deliveries: readonly Delivery[]): void {
  const last = new Map<string, number>();
  for (const d of deliveries) {
    const [key, n] = d.data.split(':');
    const value = Number(n);
    expect(value, `order of ${key}`).toBe((last.get(key ?? '') ?? -1) + 1);
    last.set(key ?? '', value);
  }
}

/** Every delivery from a child comes after the last delivery from each of its parents. */
export function expectChildrenAfterParents(
  deliveries: readonly Delivery[],
  parentsOf: ReadonlyMap<string, readonly string[]>,
): void {
  const firstIndex = new Map<string, number>();
  const lastIndex = new Map<string, number>();
  deliveries.forEach((d, i) => {
    if (!firstIndex.has(d.shardId)) firstIndex.set(d.shardId, i);
    lastIndex.set(d.shardId, i);
  });
  for (const [child, parents] of parentsOf) {
    const first = firstIndex.get(child);
    if (first === undefined) continue;
    for (const parent of parents) {
      expect(first, `${child} read after ${parent}`).toBeGreaterThan(lastIndex.get(parent) ?? -1);
    }
  }
}

/** A kinesalite of its own for each test of the describe block this is called in. */
export function useKinesisServer(): () => KinesisTestServer {
  let server: KinesisTestServer | undefined;
  beforeEach(async () => {
    server = await startKinesisServer();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (server === undefined) throw new Error('the Kinesis server is started for each test only');
    return server;
  };
}

/** An error as the SDK gives an AWS service's: its name is the error code. */
export function awsError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * Counts calls per command and lets `fault` decide, per call, to fail before
 * sending, or after the response came back (the records are then lost to the
 * caller, as when a connection breaks late).
 */
export function injectFaults(
  client: KinesisClient,
  fault: (command: string, n: number) => { when: 'before' | 'after'; error: Error } | undefined,
): Map<string, number> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const n = (calls.get(command) ?? 0) + 1;
      calls.set(command, n);
      const injected = fault(command, n);
      if (injected?.when === 'before') throw injected.error;
      const result = await next(args);
      if (injected?.when === 'after') throw injected.error;
      return result;
    },
    { step: 'initialize', name: 'testFaultInjection' },
  );
  return calls;
}
