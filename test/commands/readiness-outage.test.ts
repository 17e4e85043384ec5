/**
 * A running exporter whose Kinesis-API server goes away: /readyz turns 503
 * within a few failed calls, /healthz well before the 2-minute stall timeout
 * (connection refused is certain), and both recover once the server is back.
 * Default intervals, as a user runs it.
 */
import { describe, expect, it } from 'vitest';
import { createStream, waitFor } from '../helpers/kinesis-server.js';
import { startRun, useLocalStream } from '../helpers/run-exporter.js';

const stream = useLocalStream('outage', 2);

async function probe(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

describe('readiness and health of `run` through an outage of the Kinesis server', () => {
  it('fail soon after the server stops, with the cause, and recover after it restarts', async () => {
    const server = stream().kinesis;
    const run = await startRun(stream(), {
      state: 'none',
      fast: false,
      args: ['--kinesis-endpoint', server.endpoint],
      // The endpoint comes from --kinesis-endpoint alone.
      env: { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:9' },
    });
    const url = run.url;
    try {
      await waitFor(async () => (await probe(`${url}/readyz`)).status === 200, 15_000, 'ready');
      await waitFor(async () => (await probe(`${url}/healthz`)).status === 200, 5000, 'healthy');

      await server.stop();
      const stoppedAt = Date.now();
      await waitFor(
        async () => (await probe(`${url}/readyz`)).status === 503,
        15_000,
        'not ready',
        100,
      );
      const notReadyMs = Date.now() - stoppedAt;
      const readyz = await probe(`${url}/readyz`);
      expect(readyz.text).toMatch(
        /reading \d of 2 open shards of stream outage failing for \d+ s \(\d+ calls in a row\): cannot reach the Kinesis endpoint 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      await waitFor(
        async () => (await probe(`${url}/healthz`)).status === 503,
        30_000,
        'unhealthy',
        100,
      );
      const unhealthyMs = Date.now() - stoppedAt;
      expect((await probe(`${url}/healthz`)).text).toMatch(
        /no shard reader made progress for \d+ s; Kinesis calls failing for \d+ s .*ECONNREFUSED/,
      );
      // The thresholds are 3 calls or 10 s; the stall timeout is 2 min.
      expect(notReadyMs).toBeLessThan(12_000);
      expect(unhealthyMs).toBeLessThan(30_000);

      // kinesalite keeps streams in memory only: the restarted server needs the stream again.
      await server.restart();
      await createStream(server.admin, stream().name, 2);
      await stream().put(['{"after":"restart"}']);
      await waitFor(
        async () => (await probe(`${url}/readyz`)).status === 200,
        40_000,
        'ready again',
        200,
      );
      await waitFor(
        async () => (await probe(`${url}/healthz`)).status === 200,
        10_000,
        'healthy again',
      );
      process.stdout.write(
        `readiness outage: /readyz 503 after ${notReadyMs} ms, /healthz 503 after ${unhealthyMs} ms\n`,
      );
    } finally {
      await run.stop();
    }
  }, 120_000);
});
