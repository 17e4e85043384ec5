/**
 * The exporter's durable state: a save and restore at any point gives the
 * same exposition as no restart; scrapes show only what is saved; states that
 * do not check out, of another source, of format 2 or a larger cap.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { captureState, DurableState, restoreState } from '../../src/state/durable-state.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import { decodeState, encodeState } from '../../src/state/state-codec.js';
import { expositionOf, freshCore, sample, silentLogger, sumOf } from '../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const exposition = async (core: ReturnType<typeof freshCore>) =>
  canonicalExposition(await core.exposition());

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

  it('with saved state, scrapes show only what is saved, so a crash cannot take a counter back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-publish-'));
    const lines = generateCorpus({ tasks: 10, seed: 12 }).map((e) => JSON.stringify(e));
    let shards: Record<string, string> = {};
    const source = {
      position: () => ({ stream: 's', shards }),
      checkPosition: () => undefined,
    };
    const durableFor = (core: ReturnType<typeof freshCore>) =>
      new DurableState({
        store: new FileStateStore({ directory: dir, fileName: 'state.json' }),
        counting: core,
        source,
        intervalMs: 60_000,
        logger: silentLogger,
      });
    const core = freshCore();
    const durable = durableFor(core);
    expect(await durable.restore()).toBeUndefined();
    for (const line of lines) core.pipeline.handle(line);
    shards = { 'shardId-000000000000': '42' };
    let text = await core.exposition();
    expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(0);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(0);
    await durable.save();
    text = await core.exposition();
    expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(lines.length);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(10);
    // A restart shows the saved values from its first scrape on, and resumes after the position.
    const again = freshCore();
    expect(await durableFor(again).restore()).toEqual({
      stream: 's',
      shards: { 'shardId-000000000000': '42' },
    });
    expect(
      sample(await again.exposition(), 'ecs_events_exporter_records_total{result="processed"}'),
    ).toBe(sample(text, 'ecs_events_exporter_records_total{result="processed"}'));
    expect(await exposition(again)).toBe(await exposition(core));
  });

  it('sets aside a saved state that does not check out, and starts clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-corrupt-'));
    const store = new FileStateStore({ directory: dir, fileName: 'state.json' });
    await store.save(Buffer.from('{"version":3,"position":{},"state":{"kinds":7}}'));
    const core = freshCore();
    const durable = new DurableState({
      store,
      counting: core,
      source: { position: () => null, checkPosition: () => undefined },
      intervalMs: 60_000,
      logger: silentLogger,
    });
    expect(await durable.restore()).toBeUndefined();
    expect(readdirSync(dir).filter((n) => n.startsWith('state.json.corrupt-'))).toHaveLength(1);
    expect(await store.load()).toBeUndefined();
  });

  it('brings a state saved with a larger cap within the cap at once, and logs how many series it shed and folded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-cap-'));
    const store = new FileStateStore({ directory: dir, fileName: 'state.json' });
    const before = freshCore();
    for (const event of generateCorpus({ tasks: 400, seed: 3 })) {
      before.pipeline.handle(JSON.stringify(event));
    }
    const tasksBefore = sumOf(await exposition(before), 'ecs_task_stopped_total');
    await store.save(encodeState({ savedAt: '', position: null, state: captureState(before) }));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const core = freshCore(['--max-series-per-metric', '5']);
    const durable = new DurableState({
      store,
      counting: core,
      source: { position: () => null, checkPosition: () => undefined },
      intervalMs: 60_000,
      logger,
    });
    await durable.restore();
    const text = await exposition(core);
    // Within the cap (folded series aside), every stop still counted.
    expect(
      sample(text, 'ecs_events_exporter_series{metric="ecs_task_stopped_total"}'),
    ).toBeLessThanOrEqual(5 + 60);
    expect(core.store.family('ecs_task_stopped_total').own).toBeLessThanOrEqual(5);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(tasksBefore);
    const logged = lines.map((l) => JSON.parse(l)).find((l) => /series cap/.test(l.msg));
    expect(logged).toMatchObject({ level: 40, expired: 0, rebounded: 0 });
    expect(logged.shed).toBeGreaterThan(0);
    expect(logged.folded).toBeGreaterThan(0);
  });

  it('ignores, without setting aside, the state of another source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-foreign-'));
    const store = new FileStateStore({ directory: dir, fileName: 'state.json' });
    const before = freshCore();
    before.pipeline.handle(JSON.stringify(generateCorpus({ tasks: 1, seed: 1 })[0]));
    await store.save(
      encodeState({ savedAt: '', position: { stream: 'other' }, state: captureState(before) }),
    );
    const core = freshCore();
    const durable = new DurableState({
      store,
      counting: core,
      source: {
        position: () => null,
        checkPosition: () => ({ kind: 'foreign', reason: 'another stream' }),
      },
      intervalMs: 60_000,
      logger: silentLogger,
    });
    expect(await durable.restore()).toBeUndefined();
    expect(core.tracked()).toBe(0);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('reads a format 2 file: positions and the counting state of that format', async () => {
    const legacy = JSON.parse(
      readFileSync(new URL('../fixtures/state/format-2.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const saved = decodeState(Buffer.from(JSON.stringify(legacy)));
    expect(saved.position).toEqual({ stream: legacy.stream, shards: legacy.shards });
    const core = freshCore();
    restoreState(core, saved.state);
    const text = await exposition(core);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(1);
    expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(1);
    expect(core.tracked()).toBe(1);
    // Saved before failures were listed: the lists start empty.
    expect(core.recentFailures()).toEqual({
      tasks: [],
      deployments: [],
      'daemon-deployments': [],
      hooks: [],
    });
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
    expect(two.kinds.get('task-state-change')?.tracked).toBe(5);
  });

  const TASKS = 'task-state-change';
  const tracker = (s: Record<string, unknown>) =>
    (s.kinds as Record<string, Record<string, unknown>>)[TASKS] as Record<string, unknown>;
  const corruptions: [string, (state: Record<string, unknown>) => void][] = [
    [
      'a kind state of the wrong type',
      (s) => {
        (s.kinds as Record<string, unknown>)[TASKS] = 'tasks';
      },
    ],
    [
      'a negative record count',
      (s) => {
        ((s.self as Record<string, unknown>).records as Record<string, number>).processed = -1;
      },
    ],
    [
      'a column of the wrong length',
      (s) => {
        tracker(s).versions = Buffer.from([1, 2, 3]).toString('base64');
      },
    ],
    [
      'a column that is not a string',
      (s) => {
        tracker(s).done = [1, 2, 3];
      },
    ],
    [
      'a task appearing twice',
      (s) => {
        const keys = tracker(s).keys as unknown[];
        keys[1] = keys[0];
      },
    ],
    [
      'a stop queue entry out of range',
      (s) => {
        (tracker(s).stoppedQueue as number[]).push(1e9);
      },
    ],
    [
      'a histogram with other buckets',
      (s) => {
        const families = (s.series as { families: Record<string, unknown[][]> }).families;
        const pull = (families.ecs_task_image_pull_duration_seconds as unknown[][])[0] as unknown[];
        ((pull[2] as number[][])[0] as number[]).push(0);
      },
    ],
    [
      'a series with a label missing',
      (s) => {
        const families = (s.series as { families: Record<string, unknown[][]> }).families;
        const stopped = (families.ecs_task_stopped_total as unknown[][])[0] as unknown[];
        (stopped[0] as string[]).pop();
      },
    ],
    [
      'a metric the exporter does not have',
      (s) => {
        (s.series as { families: Record<string, unknown> }).families.ecs_task_unknown_total = [];
      },
    ],
    [
      'not an object',
      (s) => {
        (s.kinds as Record<string, unknown>)[TASKS] = 'tracker';
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
      expect(target.tracked()).toBe(1);
    });
  }
});
