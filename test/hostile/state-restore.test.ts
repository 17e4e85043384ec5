/**
 * Restoring corrupted states: a mutated or foreign state either throws and
 * changes nothing or is accepted and renders a valid exposition; states
 * captured after hostile records restore to the same exposition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { freshCore } from '../helpers/exposition.js';
import { anyRecord, fieldValue, jsonRecord } from './arbitraries.js';
import {
  CLEAN_TRACES,
  expositionOfCore,
  parseExposition,
  pollutionTraces,
  promtool,
  SEED_LINES,
  seedEvent,
} from './support.js';

const ARGS = ['--stopped-task-retention', '365d'];
type Core = ReturnType<typeof freshCore>;

const corpus = (seed: number, tasks = 8) =>
  generateCorpus({ tasks, seed }).map((e) => JSON.stringify(e));

function coreWith(lines: readonly (string | Uint8Array)[]): Core {
  const core = freshCore(ARGS);
  for (const line of lines) core.pipeline.handle(line);
  return core;
}

/** A real state as it is on disk: captured from a simulated corpus, through JSON. */
const SAVED: unknown = JSON.parse(JSON.stringify(captureState(coreWith(corpus(7, 12)))));

/** Everything observable about a core's counting state. */
async function observe(core: Core) {
  return {
    exposition: await expositionOfCore(core),
    size: core.tracked(),
    state: JSON.stringify(captureState(core)),
  };
}

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      paths(
        (value as Record<string, unknown>)[key],
        [...prefix, Array.isArray(value) ? Number(key) : key],
        out,
      );
    }
  }
  return out;
}

const SAVED_PATHS = paths(SAVED);

/** Values a corrupted or hand-edited state could hold, JSON or not. */
const corruptValue: fc.Arbitrary<unknown> = fc.oneof(
  fieldValue,
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    -1,
    0.5,
    2 ** 16,
    2 ** 32,
    2 ** 53,
    Number.MAX_VALUE,
    undefined,
    null,
    1n,
    [],
    {},
    [[]],
    Object.create(null),
  ),
  fc.integer(),
);

type Mutation =
  | { op: 'replace'; path: Path; value: unknown }
  | { op: 'delete'; path: Path }
  | { op: 'add'; path: Path; key: string; value: unknown }
  | { op: 'duplicate'; path: Path };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('replace' as const),
    path: fc.constantFrom(...SAVED_PATHS),
    value: corruptValue,
  }),
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...SAVED_PATHS) }),
  fc.record({
    op: fc.constant('add' as const),
    path: fc.constantFrom(...SAVED_PATHS),
    key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'polluted'),
    value: corruptValue,
  }),
  fc.record({ op: fc.constant('duplicate' as const), path: fc.constantFrom(...SAVED_PATHS) }),
);

function nodeAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Applies the mutations to a deep copy of the saved state; own properties only, even `__proto__`. */
function mutate(mutations: readonly Mutation[]): unknown {
  const holder: { state: unknown } = { state: structuredClone(SAVED) };
  for (const m of mutations) {
    const path: Path = ['state', ...m.path];
    const parent = nodeAt(holder, path.slice(0, -1));
    const key = path.at(-1) as string | number;
    if (typeof parent !== 'object' || parent === null) continue;
    const target = (parent as Record<string | number, unknown>)[key];
    if (m.op === 'replace') {
      Object.defineProperty(parent, key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (m.op === 'delete') {
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else delete (parent as Record<string | number, unknown>)[key];
    } else if (typeof target === 'object' && target !== null) {
      if (m.op === 'add') {
        if (Array.isArray(target)) target.push(m.value);
        else Object.defineProperty(target, m.key, { value: m.value, enumerable: true });
      } else if (Array.isArray(target) && target.length > 0) {
        target.push(structuredClone(target[0]));
      }
    }
  }
  return holder.state;
}

describe('restoring corrupted states', () => {
  it('the real state restores (the mutations below start from a valid state)', async () => {
    const core = freshCore(ARGS);
    restoreState(core, structuredClone(SAVED));
    expect(core.tracked()).toBeGreaterThan(0);
    expect(JSON.stringify(captureState(core))).toBe(JSON.stringify(SAVED));
  });

  it('either throws and changes nothing, or is accepted and renders a valid exposition', async () => {
    const live = corpus(99);
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const core = coreWith(live);
        const before = await observe(core);
        const state = mutate(mutations);
        let threw = false;
        try {
          restoreState(core, state);
        } catch {
          threw = true;
        }
        if (threw) {
          refused++;
          expect(await observe(core)).toEqual(before);
        } else {
          accepted++;
          const text = await expositionOfCore(core);
          parseExposition(text);
          if (accepted % 5 === 1) expect(promtool(text).status).toBe(0);
          // It keeps counting, and what it holds now saves and restores.
          for (const line of SEED_LINES) core.pipeline.handle(line);
          const again = freshCore(ARGS);
          restoreState(again, JSON.parse(JSON.stringify(captureState(core))));
          expect(await expositionOfCore(again)).toBe(await expositionOfCore(core));
        }
        expect(pollutionTraces()).toEqual(CLEAN_TRACES);
      }),
      { numRuns: 250 },
    );
    // Both branches were exercised.
    expect(refused).toBeGreaterThan(20);
    expect(accepted).toBeGreaterThan(5);
  });

  it('not a state at all: throws and changes nothing', async () => {
    const core = coreWith(corpus(3));
    const before = await observe(core);
    const notStates: unknown[] = [
      undefined,
      null,
      0,
      'state',
      [],
      {},
      { kinds: {} },
      { ...(SAVED as object), kinds: null },
      { ...(SAVED as object), kinds: { 'task-state-change': null } },
      { ...(SAVED as object), series: {} },
      { ...(SAVED as object), series: { families: [], bounds: {} } },
      { ...(SAVED as object), self: { records: [] } },
      {
        ...(SAVED as object),
        self: { ...(SAVED as { self: object }).self, records: { processed: Number.NaN } },
      },
      {
        ...(SAVED as object),
        self: { ...(SAVED as { self: object }).self, evictions: { capacity: -1, retention: 0 } },
      },
      JSON.parse('{"__proto__":{"version":1}}'),
    ];
    for (const state of notStates) {
      expect(() => restoreState(core, state)).toThrow();
      expect(await observe(core)).toEqual(before);
    }
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
  });

  it('a histogram whose buckets do not add up to its count is refused', async () => {
    const state = structuredClone(SAVED) as {
      series: { families: Record<string, [string[], boolean, [number[], number, number]][]> };
    };
    const series = state.series.families.ecs_task_startup_duration_seconds?.[0];
    expect(series).toBeDefined();
    const startup = series?.[2] as [number[], number, number];
    startup[1] += 1000;
    const core = coreWith(corpus(3));
    const before = await observe(core);
    expect(() => restoreState(core, state)).toThrow();
    expect(await observe(core)).toEqual(before);
  });
});

const variant = (change: (d: Record<string, unknown>, e: Record<string, unknown>) => void) => {
  const event = seedEvent(0);
  change(event.detail as Record<string, unknown>, event);
  return JSON.stringify(event);
};

describe('a state captured after hostile records', () => {
  it('after a STOPPED event without a usable time, saves and restores', async () => {
    const core = coreWith([variant((_, e) => delete e.time)]);
    const saved = JSON.parse(JSON.stringify(captureState(core)));
    const again = freshCore(ARGS);
    expect(() => restoreState(again, saved)).not.toThrow();
    expect(await expositionOfCore(again)).toBe(await expositionOfCore(core));
  });

  it('after durations of the extreme dates JavaScript allows, saves and restores', async () => {
    const core = coreWith([
      variant((d) => {
        d.createdAt = '-271821-04-20T00:00:00.000Z';
        d.startedAt = '+275760-09-13T00:00:00.000Z';
      }),
    ]);
    // Past the longest observable duration (MAX_DURATION_MS): counted as a task, not observed.
    expect(await expositionOfCore(core)).not.toContain('ecs_task_startup_duration_seconds_count');
    expect(await expositionOfCore(core)).toContain('ecs_task_stopped_total{');
    const saved = JSON.parse(JSON.stringify(captureState(core)));
    const again = freshCore(ARGS);
    expect(() => restoreState(again, saved)).not.toThrow();
    expect(await expositionOfCore(again)).toBe(await expositionOfCore(core));
  });

  it('any hostile records: what is captured restores to the same exposition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(anyRecord, jsonRecord), { maxLength: 15 }),
        fc.boolean(),
        async (records, thenRealEvents) => {
          // Hostile first: what a STOPPED event before any event time leaves is a case of its own.
          const core = coreWith([...records, ...(thenRealEvents ? corpus(5, 3) : [])]);
          const saved = JSON.parse(JSON.stringify(captureState(core)));
          const again = freshCore(ARGS);
          restoreState(again, saved);
          expect(await expositionOfCore(again)).toBe(await expositionOfCore(core));
          expect(again.tracked()).toBe(core.tracked());
        },
      ),
      { numRuns: 100 },
    );
  });
});
