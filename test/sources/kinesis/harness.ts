/**
 * Builds a KinesisSource for tests with short intervals, a private registry
 * and a collector of what onRecords received.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import type { CheckpointStore } from '../../../src/checkpoints/checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../src/checkpoints/memory-checkpoint-store.js';
import { createKinesisMetrics, type KinesisMetrics } from '../../../src/metrics/kinesis-metrics.js';
import {
  KinesisSource,
  type KinesisSourceOptions,
} from '../../../src/sources/kinesis/kinesis-source.js';
import type { StartPosition } from '../../../src/sources/kinesis/start-position.js';

export interface Delivery {
  readonly shardId: string;
  readonly data: string;
  readonly sequenceNumber: string;
}

export interface TestSource {
  readonly source: KinesisSource;
  readonly registry: Registry;
  readonly metrics: KinesisMetrics;
  readonly deliveries: Delivery[];
  readonly checkpoints: CheckpointStore;
  received(): string[];
}

export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export function makeSource(
  client: KinesisClient,
  stream: string,
  overrides: Partial<Omit<KinesisSourceOptions, 'onRecords'>> & {
    startPosition?: StartPosition;
  } = {},
): TestSource {
  const registry = new Registry();
  const metrics = createKinesisMetrics(registry);
  const deliveries: Delivery[] = [];
  const decoder = new TextDecoder();
  const checkpoints = overrides.checkpoints ?? new MemoryCheckpointStore();
  const source = new KinesisSource({
    client,
    stream,
    startPosition: { type: 'TRIM_HORIZON' },
    logger: testLogger(),
    metrics,
    shardListIntervalMs: 200,
    idleDelayMs: 50,
    checkpointIntervalMs: 100,
    maxBackoffMs: 300,
    stallTimeoutMs: 5000,
    ...overrides,
    checkpoints,
    onRecords(shardId, records) {
      for (const r of records) {
        deliveries.push({
          shardId,
          data: decoder.decode(r.data),
          sequenceNumber: r.sequenceNumber,
        });
      }
    },
  });
  return {
    source,
    registry,
    metrics,
    deliveries,
    checkpoints,
    received: () => deliveries.map((d) => d.data),
  };
}

/** Sum of a counter's values whose labels match. */
export async function metricSum(
  registry: Registry,
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
