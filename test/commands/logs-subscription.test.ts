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
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { expositionOf, sample, sumOf, taskLines } from '../helpers/exposition.js';
import { randomPartitionKey, waitFor } from '../helpers/kinesis-server.js';
import { controlMessage, packInto } from '../helpers/logs-subscription.js';
import { type RunOptions, startRun, useLocalStream } from '../helpers/run-exporter.js';

const stream = useLocalStream('ecs-events-from-logs', 2);

async function put(records: readonly Buffer[]): Promise<void> {
  const out = await stream().kinesis.admin.send(
    new PutRecordsCommand({
      StreamName: stream().name,
      Records: records.map((Data) => ({ Data, PartitionKey: randomPartitionKey() })),
    }),
  );
  expect(out.FailedRecordCount ?? 0).toBe(0);
}

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
    const options: RunOptions = {
      state: { dir: mkdtempSync(join(tmpdir(), 'logs-subscription-state-')) },
      args: ['--idle-delay', '50ms', '--checkpoint-interval', '100ms'],
    };

    const first = await startRun(stream(), options);
    // Wait for the counts of the first half to be saved and shown, then kill without warning.
    await waitFor(
      async () =>
        sumOf(await first.metrics(), 'ecs_events_exporter_records_total') === firstEvents + 1,
      20_000,
    );
    await put(packed.slice(half));
    await new Promise((r) => setTimeout(r, 150));
    await first.stop('SIGKILL');

    const second = await startRun(stream(), options);
    try {
      await waitFor(
        async () =>
          sumOf(await second.metrics(), 'ecs_events_exporter_records_total') >= lines.length + 1,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const live = await second.metrics();
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
      second.stop();
    }
    expect(await second.exited).toBe(0);
  });
});

function countOf(record: Buffer): number {
  return (JSON.parse(gunzipSync(record).toString()) as { logEvents: unknown[] }).logEvents.length;
}
