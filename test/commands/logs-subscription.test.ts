/**
 * The seed's setup fed to `run`: a subscription filter writes gzip
 * DATA_MESSAGEs (many events each) and CONTROL_MESSAGEs into the stream,
 * read through a real Kinesis-API server, across a kill -9.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { exited, startCli, URL_IN_LOG } from '../helpers/cli.js';
import { expositionOf, sample, sumOf, taskLines } from '../helpers/exposition.js';
import {
  createStream,
  exporterEnv,
  type KinesisTestServer,
  randomPartitionKey,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';
import { controlMessage, packInto } from '../helpers/logs-subscription.js';

const STREAM = 'ecs-events-from-logs';

let server: KinesisTestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startKinesisServer();
  await createStream(server.admin, STREAM, 2);
  env = exporterEnv(server);
});

afterAll(async () => {
  await server.close();
});

async function put(records: readonly Buffer[]): Promise<void> {
  const out = await server.admin.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: records.map((Data) => ({ Data, PartitionKey: randomPartitionKey() })),
    }),
  );
  expect(out.FailedRecordCount ?? 0).toBe(0);
}

function startRun(stateDir: string) {
  return startCli(
    [
      'run',
      '--stream',
      STREAM,
      '--state-dir',
      stateDir,
      '--start-position',
      'TRIM_HORIZON',
      '--idle-delay',
      '50ms',
      '--checkpoint-interval',
      '100ms',
      '--listen-address',
      '127.0.0.1:0',
    ],
    URL_IN_LOG,
    env,
  );
}

const metrics = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe('run on a stream fed by a CloudWatch Logs subscription filter', () => {
  it('counts every event of every record once, across kill -9, as replay of the events does', async () => {
    const lines = generateCorpus({
      tasks: 200,
      seed: 11,
      startMs: Date.now() - 3_600_000,
    }).map((e) => JSON.stringify(e));
    const packed = packInto(lines, 25);
    const half = Math.floor(packed.length / 2);
    const firstEvents = lines.length - packed.slice(half).reduce((n, r) => n + countOf(r), 0);
    await put([controlMessage(), ...packed.slice(0, half)]);
    const stateDir = mkdtempSync(join(tmpdir(), 'logs-subscription-state-'));

    const first = await startRun(stateDir);
    const url1 = first.match[1] as string;
    // Wait for the counts of the first half to be saved and shown, then kill without warning.
    await waitFor(
      async () =>
        sumOf(await metrics(url1), 'ecs_events_exporter_records_total') === firstEvents + 1,
      20_000,
    );
    await put(packed.slice(half));
    await new Promise((r) => setTimeout(r, 150));
    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await startRun(stateDir);
    try {
      const url = second.match[1] as string;
      await waitFor(
        async () =>
          sumOf(await metrics(url), 'ecs_events_exporter_records_total') >= lines.length + 1,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const live = await metrics(url);
      const expected = await expositionOf(lines);
      expect(taskLines(live)).toBe(taskLines(expected));
      // records_total counts events; the control message is one ignored record.
      for (const result of ['processed', 'duplicate', 'invalid']) {
        const series = `ecs_events_exporter_records_total{result="${result}"}`;
        expect(sample(live, series), result).toBe(sample(expected, series));
      }
      const ignored = 'ecs_events_exporter_records_total{result="ignored"}';
      expect(sample(live, ignored)).toBe((sample(expected, ignored) as number) + 1);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await exited(second.child)).toBe(0);
  });
});

function countOf(record: Buffer): number {
  return (JSON.parse(gunzipSync(record).toString()) as { logEvents: unknown[] }).logEvents.length;
}
