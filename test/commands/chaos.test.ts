import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/simulator/random.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { exited, startCli, URL_IN_LOG } from '../helpers/cli.js';
import { durableCounterSamples, expositionOf, sumOf, taskLines } from '../helpers/exposition.js';
import {
  createStream,
  exporterEnv,
  type KinesisTestServer,
  putRecords,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';

const STREAM = 'chaos';
let server: KinesisTestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startKinesisServer();
  await createStream(server.admin, STREAM, 4);
  env = exporterEnv(server);
});

afterAll(async () => {
  await server.close();
});

describe('kill -9 during consumption', () => {
  it('several hard kills and restarts: exact totals at the end, counters never go backwards', async () => {
    const random = createRandom(20261125);
    const stateDir = mkdtempSync(join(tmpdir(), 'chaos-state-'));
    const events = generateCorpus({ tasks: 400, seed: 77, startMs: Date.now() - 7_200_000 }).map(
      (e) => JSON.stringify(e),
    );
    const chunks = 5;
    const size = Math.ceil(events.length / chunks);
    const seen = new Map<string, number>();
    const scrapes: string[] = [];
    const observe = (text: string) => {
      scrapes.push(text);
      for (const [series, value] of durableCounterSamples(text)) {
        const before = seen.get(series) ?? 0;
        expect(value, `${series} went from ${before} to ${value}`).toBeGreaterThanOrEqual(before);
        seen.set(series, value);
      }
    };
    const args = [
      'run',
      '--stream',
      STREAM,
      '--state-dir',
      stateDir,
      '--start-position',
      'TRIM_HORIZON',
      '--listen-address',
      '127.0.0.1:0',
      '--idle-delay',
      '50ms',
      '--checkpoint-interval',
      '100ms',
      '--log-level',
      'info',
    ];
    for (let round = 0; round < chunks; round++) {
      const { child, match } = await startCli(args, URL_IN_LOG, env);
      try {
        const url = match[1] as string;
        await putRecords(server.admin, STREAM, events.slice(round * size, (round + 1) * size));
        const deadline = Date.now() + 200 + random.next() * 800;
        while (Date.now() < deadline) {
          observe(await (await fetch(`${url}/metrics`)).text());
          await new Promise((r) => setTimeout(r, 20 + random.next() * 60));
        }
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited(child)).toBeNull();
    }
    const { child, match } = await startCli(args, URL_IN_LOG, env);
    try {
      const url = match[1] as string;
      let text = '';
      await waitFor(
        async () => {
          text = await (await fetch(`${url}/metrics`)).text();
          observe(text);
          return sumOf(text, 'ecs_events_exporter_records_total') >= events.length;
        },
        30_000,
        'every record counted',
      );
      await new Promise((r) => setTimeout(r, 500));
      text = await (await fetch(`${url}/metrics`)).text();
      observe(text);
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
      expect(taskLines(text)).toBe(taskLines(await expositionOf(events)));
      expect(scrapes.length).toBeGreaterThan(chunks * 3);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  }, 90_000);
});
