/**
 * Readiness and health follow the readers, not only the shard listing: with
 * the listing an hour apart, calls refused mid-run make the source not ready
 * within a few failures, and not healthy long before the stall timeout when
 * the failure is certain; a throttled stream stays healthy. Faults come
 * through the client's middleware; the server is a real kinesalite.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createStream, putRecords, waitFor } from '../../helpers/kinesis-server.js';
import { awsError, injectFaults, makeSource, range, useKinesisServer } from './harness.js';

/** Makes GetRecords fail with `name` while `failing()` says so. */
function failGetRecords(client: KinesisClient, name: string, failing: () => boolean): void {
  injectFaults(client, (command) =>
    failing() && command === 'GetRecordsCommand'
      ? { when: 'before', error: awsError(name, `${name} (injected)`) }
      : undefined,
  );
}

describe('KinesisSource readiness and health while its reads fail', () => {
  const kinesis = useKinesisServer();

  it('access denied mid-run: not ready after 3 failed reads, not healthy either, then both recover', async () => {
    const stream = 'denied-mid-run';
    await createStream(kinesis().admin, stream, 2);
    await putRecords(kinesis().admin, stream, range('r', 20));
    const client = kinesis().client();
    let deny = false;
    failGetRecords(client, 'AccessDeniedException', () => deny);
    const t = makeSource(client, stream, {
      shardListIntervalMs: 3_600_000,
      stallTimeoutMs: 120_000,
      maxBackoffMs: 200,
    });
    await t.start();
    await waitFor(() => t.deliveries.length >= 20 && t.source.readiness().ok, 5000, 'ready');
    expect(t.source.health().ok).toBe(true);

    deny = true;
    const denied = Date.now();
    await waitFor(() => !t.source.readiness().ok, 5000, 'not ready');
    expect(t.source.readiness().reason).toMatch(
      /^reading [12] of 2 open shards of stream denied-mid-run failing for \d+ s \((3|4|5) calls in a row\): access denied \(AccessDeniedException\) to read shard/,
    );
    await waitFor(() => !t.source.health().ok, 15_000, 'unhealthy');
    expect(Date.now() - denied).toBeLessThan(15_000);
    expect(t.source.health().reason).toMatch(/Kinesis calls failing for \d+ s .*access denied/);

    deny = false;
    await waitFor(() => t.source.readiness().ok && t.source.health().ok, 5000, 'recovered');
    await t.source.stop();
    client.destroy();
  });

  it('throttling for a few calls keeps the source ready and healthy', async () => {
    const stream = 'throttled';
    await createStream(kinesis().admin, stream, 1);
    const client = kinesis().client();
    let throttled = 0;
    failGetRecords(client, 'ProvisionedThroughputExceededException', () => {
      if (throttled === 0 || throttled > 6) return false;
      throttled++;
      return true;
    });
    const t = makeSource(client, stream, { shardListIntervalMs: 3_600_000, maxBackoffMs: 100 });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 5000, 'ready');
    throttled = 1;
    const checks: boolean[] = [];
    await waitFor(
      () => {
        checks.push(t.source.readiness().ok && t.source.health().ok);
        return throttled > 6;
      },
      5000,
      'six throttled calls',
      5,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(checks.every(Boolean)).toBe(true);
    expect(t.source.readiness().ok).toBe(true);
    await t.source.stop();
    client.destroy();
  });
});
