import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../src/checkpoints/file-checkpoint-store.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import {
  captureState,
  type ExporterState,
  publishState,
  restoreState,
} from '../../src/state/durable-state.js';
import { expositionOf, freshCore, sample, silentLogger, sumOf } from '../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const exposition = async (core: ReturnType<typeof freshCore>) =>
  canonicalExposition(await core.registry.metrics());

describe('exporter state', () => {
  it('a save and restore at any point, then the rest of the records, gives the same exposition as no restart', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (seed, at) => {
          const lines = generateCorpus({ tasks: 12, seed }).map((e) => JSON.stringify(e));
          const cut = Math.floor(at * lines.length);
          const before = freshCore(ARGS);
          for (const line of lines.slice(0, cut)) before.pipeline.handle(line);
          // Through JSON, as on disk.
          const saved = JSON.parse(JSON.stringify(captureState(before)));
          const after = freshCore(ARGS);
          restoreState(after, saved);
          expect(await exposition(after)).toBe(await exposition(before));
          for (const line of lines.slice(cut)) after.pipeline.handle(line);
          expect(await exposition(after)).toBe(await expositionOf(lines, ARGS));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('with saved state, scrapes show only what is on disk, so a crash cannot take a counter back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-publish-'));
    const lines = generateCorpus({ tasks: 10, seed: 12 }).map((e) => JSON.stringify(e));
    const storeFor = (core: ReturnType<typeof freshCore>) =>
      new FileCheckpointStore({
        directory: dir,
        stream: 's',
        logger: silentLogger,
        state: {
          capture: () => captureState(core),
          restore: (s) => restoreState(core, s),
          saved: (s) => publishState(core, s as ExporterState),
        },
      });
    const core = freshCore();
    const store = storeFor(core);
    await store.load();
    for (const line of lines) core.pipeline.handle(line);
    let text = await core.registry.metrics();
    expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(0);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(0);
    await store.save(new Map([['shardId-000000000000', '42']]));
    text = await core.registry.metrics();
    expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(lines.length);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(10);
    // A restart shows the saved values from its first scrape on.
    const again = freshCore();
    expect(await storeFor(again).load()).toEqual(new Map([['shardId-000000000000', '42']]));
    expect(
      sample(
        await again.registry.metrics(),
        'ecs_events_exporter_records_total{result="processed"}',
      ),
    ).toBe(sample(text, 'ecs_events_exporter_records_total{result="processed"}'));
  });

  it('keeps the tracker bounds and the eviction order across a restore', async () => {
    const args = ['--max-tracked-tasks', '5'];
    const lines = generateCorpus({ tasks: 40, seed: 4 }).map((e) => JSON.stringify(e));
    const one = freshCore(args);
    const two = freshCore(args);
    for (const [i, line] of lines.entries()) {
      one.pipeline.handle(line);
      two.pipeline.handle(line);
      if (i % 17 === 0) restoreState(two, JSON.parse(JSON.stringify(captureState(two))));
    }
    expect(await exposition(two)).toBe(await exposition(one));
    expect(two.tracker.size).toBe(5);
  });

  const corruptions: [string, (state: Record<string, unknown>) => void][] = [
    [
      'another version',
      (s) => {
        s.version = 2;
      },
    ],
    [
      'a negative record count',
      (s) => {
        (s.records as Record<string, number>).processed = -1;
      },
    ],
    [
      'a column of the wrong length',
      (s) => {
        (s.tracker as { versions: string }).versions = Buffer.from([1, 2, 3]).toString('base64');
      },
    ],
    [
      'a column that is not a string',
      (s) => {
        (s.tracker as { done: unknown }).done = [1, 2, 3];
      },
    ],
    [
      'a task appearing twice',
      (s) => {
        const keys = (s.tracker as { keys: unknown[] }).keys;
        keys[1] = keys[0];
      },
    ],
    [
      'a stop queue entry out of range',
      (s) => {
        (s.tracker as { stoppedQueue: number[] }).stoppedQueue.push(1e9);
      },
    ],
    [
      'a histogram with other buckets',
      (s) => {
        const sets = s.tasks as { pull: [number[], number, number] | null }[];
        const withPull = sets.find((set) => set.pull !== null);
        withPull?.pull?.[0].push(0);
      },
    ],
    [
      'not an object',
      (s) => {
        s.tracker = 'tracker';
      },
    ],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`refuses ${what}, changing nothing`, async () => {
      const lines = generateCorpus({ tasks: 20, seed: 8 }).map((e) => JSON.stringify(e));
      const source = freshCore();
      for (const line of lines) source.pipeline.handle(line);
      const state = JSON.parse(JSON.stringify(captureState(source)));
      corrupt(state);
      const target = freshCore();
      target.pipeline.handle(lines[0] as string);
      const before = await exposition(target);
      expect(() => restoreState(target, state)).toThrow();
      expect(await exposition(target)).toBe(before);
      expect(target.tracker.size).toBe(1);
    });
  }
});
