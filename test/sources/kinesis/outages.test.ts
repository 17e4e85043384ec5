/**
 * KinesisSource on kinesalite when the stream is missing, the server stops and
 * restarts, access is denied, or the server is gone at stop(): readiness and
 * health say so, it recovers, and its position stays intact.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { KINESIS_ERRORS } from '../../../src/metrics/catalog.js';
import { createStream, putRecords, waitFor } from '../../helpers/kinesis-server.js';
import {
  awsError,
  injectFaults,
  makeSource,
  metricSum,
  range,
  sorted,
  useKinesisServer,
} from './harness.js';

describe('KinesisSource when the stream or the server is missing', () => {
  const kinesis = useKinesisServer();

  it('reports a missing stream in readiness, then recovers once it exists', async () => {
    const stream = 'created-later';
    const client = kinesis().client();
    const t = makeSource(client, stream, { shardListIntervalMs: 100, maxBackoffMs: 100 });
    await t.start(); // does not reject
    const missing = t.source.readiness();
    expect(missing.ok).toBe(false);
    expect(missing.reason).toContain(`stream ${stream} not found`);
    expect(missing.reason).toContain('ResourceNotFoundException');
    await waitFor(
      async () =>
        (await metricSum(t.registry, KINESIS_ERRORS, {
          operation: 'ListShards',
          code: 'ResourceNotFoundException',
        })) >= 2,
      5000,
      'retried listings',
    );

    await createStream(kinesis().admin, stream, 2);
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    expect(t.source.readiness().reason).toBe(`all 2 open shards of stream ${stream} read`);
    const records = range('late', 200);
    await putRecords(kinesis().admin, stream, records);
    await waitFor(() => t.deliveries.length >= records.length, 10_000, 'records');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.source.health().ok).toBe(true);
    await t.source.stop();
    client.destroy();
    expect(sorted(t.received())).toEqual(sorted(records));
  });

  it('reflects a stopped server in readiness and health and resumes after its restart', async () => {
    const stream = 'server-restart';
    const createdAt = Date.now();
    await createStream(kinesis().admin, stream, 2);
    const before = range('before', 200);
    await putRecords(kinesis().admin, stream, before);

    const client = kinesis().client();
    const t = makeSource(client, stream, {
      shardListIntervalMs: 100,
      maxBackoffMs: 200,
      stallTimeoutMs: 600,
    });
    await t.start();
    await waitFor(() => t.deliveries.length >= before.length, 10_000, 'records before');
    expect(t.source.readiness().ok).toBe(true);

    await kinesis().stop();
    // A call in flight when the server stopped fails first with ECONNRESET: wait
    // for the reason of the calls that find no server, not the first failure.
    await waitFor(
      () => !t.source.readiness().ok && /ECONNREFUSED/.test(t.source.readiness().reason),
      5000,
      'not ready, the connection refused',
    );
    expect(t.source.readiness().reason).toMatch(
      /^cannot reach the Kinesis endpoint 127\.0\.0\.1:\d+ \(ECONNREFUSED\) to list the shards of stream server-restart: check the region/,
    );
    await waitFor(() => !t.source.health().ok, 5000, 'unhealthy');
    expect(t.source.health().reason).toMatch(/no shard reader made progress/);

    // kinesalite keeps streams in memory only: the restarted server has none.
    await kinesis().restart();
    await waitFor(() => /not found/.test(t.source.readiness().reason), 5000, 'stream not found');
    // kinesalite's sequence numbers carry the shard creation time in seconds:
    // recreate the stream in a later second than the first one, as real streams are.
    await new Promise((r) => setTimeout(r, Math.max(0, createdAt + 1100 - Date.now())));
    await createStream(kinesis().admin, stream, 2);
    const after = range('after', 200);
    await putRecords(kinesis().admin, stream, after);
    await waitFor(
      () => t.deliveries.length >= before.length + after.length,
      10_000,
      'records after',
    );
    await waitFor(() => t.source.readiness().ok, 5000, 'ready again');
    expect(t.source.health().ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();
    expect(sorted(t.received())).toEqual(sorted([...before, ...after]));
    expect(
      await metricSum(t.registry, KINESIS_ERRORS, {
        operation: 'ListShards',
        code: 'ECONNREFUSED',
      }),
    ).toBeGreaterThan(0);
  }, 30_000);
});

describe('KinesisSource when access is denied or the server is gone at stop()', () => {
  const kinesis = useKinesisServer();

  it('reports access denied in readiness, logs it once per change, and recovers', async () => {
    const stream = 'denied';
    await createStream(kinesis().admin, stream, 1);
    const client = kinesis().client();
    let deny = true;
    injectFaults(client, (command) =>
      deny && command === 'ListShardsCommand'
        ? {
            when: 'before',
            error: awsError(
              'AccessDeniedException',
              'User: arn:aws:iam::123456789012:user/x is not authorized to perform: kinesis:ListShards',
            ),
          }
        : undefined,
    );
    const lines: { msg: string; level: number }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const t = makeSource(client, stream, { shardListIntervalMs: 50, maxBackoffMs: 50, logger });
    await t.start();
    await waitFor(
      async () =>
        (await metricSum(t.registry, KINESIS_ERRORS, {
          operation: 'ListShards',
          code: 'AccessDeniedException',
        })) >= 4,
      5000,
      'several denied listings',
    );
    const { ok: ready, reason } = t.source.readiness();
    expect(ready).toBe(false);
    expect(reason).toMatch(
      /^access denied \(AccessDeniedException\) to list the shards of stream denied: User: .* is not authorized/,
    );
    // One line, without a stack trace, however often the listing is retried.
    const denied = lines.filter((l) => l.msg.startsWith('cannot list Kinesis shards: '));
    expect(denied).toHaveLength(1);
    expect(denied[0]).not.toHaveProperty('err');
    expect(denied[0]?.msg).toBe(`cannot list Kinesis shards: ${reason}`);

    deny = false;
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    expect(lines.filter((l) => l.msg === 'Kinesis shards listed again')).toHaveLength(1);
    await t.source.stop();
    client.destroy();
  });

  it('stops within a short time while the server is unreachable, its position intact', async () => {
    const stream = 'stop-while-down';
    await createStream(kinesis().admin, stream, 2);
    await putRecords(kinesis().admin, stream, range('r', 50));
    const client = kinesis().client();
    const t = makeSource(client, stream, { maxBackoffMs: 10_000 });
    await t.start();
    await waitFor(() => t.deliveries.length >= 50, 5000, 'records');
    await kinesis().stop();
    await waitFor(
      async () => (await metricSum(t.registry, KINESIS_ERRORS, { code: 'ECONNREFUSED' })) >= 2,
      5000,
      'connection errors',
    );
    const began = Date.now();
    await t.source.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    client.destroy();
    const saved = t.positions();
    expect([...saved.values()].every((p) => /^\d+$/.test(p))).toBe(true);
    expect(saved.size).toBe(2);
    await expect(t.start()).rejects.toThrow(/stopped/);
  });
});
