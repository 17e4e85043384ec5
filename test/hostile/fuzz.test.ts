/**
 * Fuzzing with fast-check: any bytes, strings, JSON values and mutated events
 * are classified and counted exactly once as the contract says, the exposition
 * stays valid (promtool on a sample of runs), and nothing is polluted for the
 * records that follow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUE_LENGTH } from '../../src/kinds/label-values.js';
import { freshCore, sumOf } from '../helpers/exposition.js';
import { anyRecord, jsonRecord, withRedeliveries } from './arbitraries.js';
import {
  CLEAN_TRACES,
  ContractOracle,
  expositionOfCore,
  parseExposition,
  pollutionTraces,
  promtool,
  prototypeFingerprint,
  type Sample,
  SEED_LINES,
  shapeOf,
} from './support.js';

// Nothing STOPPED is forgotten during a run, whatever the event times: the oracle has no retention.
const NO_RETENTION = ['--stopped-task-retention', '1000000000d'];

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Checks what must hold of every exposition; returns its samples. promtool
 * (about 0.1 s a call) runs on one run in `promtoolEvery`; the strict parser on all.
 */
let checks = 0;
function checkExposition(text: string, promtoolEvery = 1): Sample[] {
  const samples = parseExposition(text);
  for (const s of samples) {
    for (const value of Object.values(s.labels)) {
      expect(value.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
    }
  }
  if (checks++ % promtoolEvery === 0) {
    const check = promtool(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  }
  return samples;
}

describe('fuzz: any record', () => {
  it('bytes, strings and near-valid JSON never throw and each is counted exactly once, as the contract says', async () => {
    const before = prototypeFingerprint();
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { minLength: 1, maxLength: 25 }), async (records) => {
        const core = freshCore(NO_RETENTION);
        const oracle = new ContractOracle();
        for (const record of records) {
          const counted = total(core.self.counts.records);
          const result = core.pipeline.handle(record);
          expect(total(core.self.counts.records)).toBe(counted + 1);
          expect(result).toBe(oracle.handle(record));
        }
        const text = await expositionOfCore(core);
        expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(records.length);
        parseExposition(text);
      }),
      { numRuns: 150 },
    );
    expect(prototypeFingerprint()).toBe(before);
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
  });
});

describe('fuzz: JSON values and mutated events', () => {
  it('are classified, deduplicated and counted as the contract says, and the exposition stays valid', async () => {
    await fc.assert(
      fc.asyncProperty(withRedeliveries(jsonRecord, 12), async (records) => {
        const core = freshCore(NO_RETENTION);
        const oracle = new ContractOracle();
        const results = records.map((r) => core.pipeline.handle(r));
        expect(results).toEqual(records.map((r) => oracle.handle(r)));
        const text = await expositionOfCore(core);
        const samples = checkExposition(text, 3);
        const of = (name: string) =>
          samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
        for (const result of ['processed', 'duplicate', 'invalid', 'ignored'] as const) {
          const value = samples.find(
            (s) => s.name === 'ecs_events_exporter_records_total' && s.labels.result === result,
          )?.value;
          expect(value).toBe(oracle.counts[result]);
        }
        expect(of('ecs_task_state_transitions_total')).toBe(oracle.transitions);
        expect(of('ecs_task_stopped_total')).toBe(oracle.stopped);
      }),
      { numRuns: 80 },
    );
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
  });
});

/** The value of every ecs_task_ series of the seeds' label set, by series. */
function seedSeries(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (!s.name.startsWith('ecs_task_')) continue;
    const l = s.labels;
    if (
      l.ecs_cluster !== 'apline-hello-cluster' ||
      l.ecs_service !== '' ||
      l.family !== 'apline-hello-task-definition' ||
      l.launch_type !== 'FARGATE'
    ) {
      continue;
    }
    out.set(`${s.name}${JSON.stringify(Object.entries(l))}`, s.value);
  }
  return out;
}

const SEED_ARNS = new Set(
  SEED_LINES.map((line) => shapeOf(line)).flatMap((s) => (s.kind === 'task' ? [s.taskArn] : [])),
);

/** Hostile records that are not events of the seed tasks (those would rightly make them duplicates). */
const hostile = anyRecord.filter((record) => {
  const shape = shapeOf(record);
  return shape.kind !== 'task' || !SEED_ARNS.has(shape.taskArn);
});

describe('fuzz: nothing polluted for later records', () => {
  it('after any hostile records, the seed events add exactly what they add on a fresh core', async () => {
    const fresh = freshCore();
    for (const line of SEED_LINES) fresh.pipeline.handle(line);
    const expected = seedSeries(parseExposition(await expositionOfCore(fresh)));
    expect(expected.size).toBeGreaterThan(20);
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { maxLength: 20 }), async (records) => {
        const core = freshCore();
        for (const record of records) core.pipeline.handle(record);
        const before = seedSeries(parseExposition(await expositionOfCore(core)));
        for (const line of SEED_LINES) expect(core.pipeline.handle(line)).toBe('processed');
        const text = await expositionOfCore(core);
        const after = seedSeries(checkExposition(text, 6));
        for (const [series, value] of after) {
          const delta = value - (before.get(series) ?? 0);
          const want = expected.get(series) ?? 0;
          // Sums are floats: allow for rounding when hostile durations share the series.
          expect(Math.abs(delta - want), series).toBeLessThanOrEqual(
            1e-9 + Math.abs(value) * 1e-12,
          );
        }
        for (const series of expected.keys()) expect(after.has(series), series).toBe(true);
        expect(pollutionTraces()).toEqual(CLEAN_TRACES);
      }),
      { numRuns: 60 },
    );
  });
});
