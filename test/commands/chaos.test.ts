/**
 * `run` killed with SIGKILL again and again while it reads a 4-shard
 * kinesalite stream: the totals are exact at the end and no counter ever went
 * backwards in any scrape.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/simulator/random.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { durableCounterSamples, expositionOf, sumOf, taskLines } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { type RunOptions, startRun, useLocalStream } from '../helpers/run-exporter.js';

const stream = useLocalStream('chaos', 4);

describe('kill -9 during consumption', () => {
  it('several hard kills and restarts: exact totals at the end, counters never go backwards', async () => {
    const random = createRandom(20261125);
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
    const options: RunOptions = {
      state: { dir: mkdtempSync(join(tmpdir(), 'chaos-state-')) },
      args: ['--idle-delay', '50ms', '--checkpoint-interval', '100ms', '--log-level', 'info'],
    };
    for (let round = 0; round < chunks; round++) {
      const run = await startRun(stream(), options);
      try {
        await stream().put(events.slice(round * size, (round + 1) * size));
        const deadline = Date.now() + 200 + random.next() * 800;
        while (Date.now() < deadline) {
          observe(await run.metrics());
          await new Promise((r) => setTimeout(r, 20 + random.next() * 60));
        }
      } finally {
        run.stop('SIGKILL');
      }
      expect(await run.exited).toBeNull();
    }
    const run = await startRun(stream(), options);
    try {
      let text = '';
      await waitFor(
        async () => {
          text = await run.metrics();
          observe(text);
          return sumOf(text, 'ecs_events_exporter_records_total') >= events.length;
        },
        30_000,
        'every record counted',
      );
      await new Promise((r) => setTimeout(r, 500));
      text = await run.metrics();
      observe(text);
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
      expect(taskLines(text)).toBe(taskLines(await expositionOf(events)));
      expect(scrapes.length).toBeGreaterThan(chunks * 3);
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
  }, 90_000);
});
