/**
 * Durable state when its store fails mid-run: readiness from the first
 * failure, health after MAX_FAILED_SAVES in a row, the shown values held at
 * the last save, the status the state metrics read, and recovery. The store
 * is the real file store; its failures are a store that refuses on demand
 * and one that never answers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricRegistry } from '../../src/metrics/metric-registry.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { DurableState, MAX_FAILED_SAVES } from '../../src/state/durable-state.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import { registerStateMetrics } from '../../src/state/state-metrics.js';
import type { StateStore } from '../../src/state/state-store.js';
import { freshCore, promClientText, sample, silentLogger, sumOf } from '../helpers/exposition.js';

/** The file store, refusing saves while `failing` is set, or never answering while `stuck` is. */
class FlakyStore implements StateStore {
  failing = false;
  stuck = false;
  readonly #inner: FileStateStore;
  constructor(directory: string) {
    this.#inner = new FileStateStore({ directory, fileName: 'state.json' });
  }
  get description(): string {
    return this.#inner.description;
  }
  probe(): Promise<void> {
    return this.#inner.probe();
  }
  load() {
    return this.#inner.load();
  }
  save(bytes: Uint8Array): Promise<string> {
    if (this.stuck) return new Promise(() => undefined);
    if (this.failing) {
      return Promise.reject(
        Object.assign(new Error('no space left on the device (ENOSPC)'), { code: 'ENOSPC' }),
      );
    }
    return this.#inner.save(bytes);
  }
  setAside(reason: string): Promise<void> {
    return this.#inner.setAside(reason);
  }
}

function setup(saveDeadlineMs?: number) {
  const store = new FlakyStore(mkdtempSync(join(tmpdir(), 'state-flaky-')));
  const core = freshCore();
  let now = 1_000_000;
  let position = 0;
  const durable = new DurableState({
    store,
    counting: core,
    source: { position: () => ({ n: position }), checkPosition: () => undefined },
    intervalMs: 5000,
    logger: silentLogger,
    now: () => now,
    ...(saveDeadlineMs === undefined ? {} : { saveDeadlineMs }),
  });
  const registry = new MetricRegistry();
  registerStateMetrics(
    registry,
    () => durable.status,
    () => now,
  );
  const lines = generateCorpus({ tasks: 6, seed: 77 }).map((e) => JSON.stringify(e));
  let next = 0;
  const feed = (n: number) => {
    for (const line of lines.slice(next, next + n)) core.pipeline.handle(line);
    next += n;
    position += n;
  };
  return {
    store,
    core,
    durable,
    registry,
    feed,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('durable state when saves fail', () => {
  it('is ready and healthy while saves work, with nothing unsaved', async () => {
    const t = setup();
    await t.durable.restore();
    t.feed(5);
    expect(t.durable.status.unsavedRecords).toBe(5);
    await t.durable.save();
    expect(t.durable.readiness()).toEqual({
      ok: true,
      reason: `state in ${t.store.description} current 0 s ago`,
    });
    expect(t.durable.health().ok).toBe(true);
    expect(t.durable.status).toMatchObject({ failures: 0, failuresInARow: 0, unsavedRecords: 0 });
  });

  it('fails readiness at the first failed save, health after 5 in a row, and holds the shown values', async () => {
    const t = setup();
    await t.durable.restore();
    t.feed(5);
    await t.durable.save();
    const shown = sumOf(await t.core.exposition(), 'ecs_events_exporter_records_total');
    expect(shown).toBe(5);

    t.store.failing = true;
    t.feed(4);
    t.advance(5000);
    await t.durable.save();
    const ready = t.durable.readiness();
    expect(ready.ok).toBe(false);
    expect(ready.reason).toBe(
      `saving the state to ${t.store.description} failed 1 time(s) in a row: no space left on the device (ENOSPC); /metrics shows the values of the last save`,
    );
    expect(t.durable.health().ok).toBe(true);
    for (let i = 1; i < MAX_FAILED_SAVES; i += 1) {
      t.advance(5000);
      await t.durable.save();
    }
    expect(t.durable.health()).toEqual({
      ok: false,
      reason: `saving the state to ${t.store.description} failed ${MAX_FAILED_SAVES} times in a row: no space left on the device (ENOSPC)`,
    });
    expect(sumOf(await t.core.exposition(), 'ecs_events_exporter_records_total')).toBe(shown);
    const metrics = await promClientText(t.registry);
    expect(sample(metrics, 'ecs_events_exporter_state_save_failures_total')).toBe(MAX_FAILED_SAVES);
    expect(sample(metrics, 'ecs_events_exporter_state_unsaved_records')).toBe(4);
    expect(sample(metrics, 'ecs_events_exporter_kinesis_checkpoint_age_seconds')).toBe(25);

    t.store.failing = false;
    t.advance(5000);
    await t.durable.save();
    expect(t.durable.readiness().ok).toBe(true);
    expect(t.durable.health().ok).toBe(true);
    expect(sumOf(await t.core.exposition(), 'ecs_events_exporter_records_total')).toBe(9);
    const after = await promClientText(t.registry);
    expect(sample(after, 'ecs_events_exporter_state_save_failures_total')).toBe(MAX_FAILED_SAVES);
    expect(sample(after, 'ecs_events_exporter_state_unsaved_records')).toBe(0);
    expect(sample(after, 'ecs_events_exporter_kinesis_checkpoint_age_seconds')).toBe(0);
  });

  it('a save that never answers fails readiness after one interval and counts as failed at its deadline', async () => {
    const t = setup(50);
    await t.durable.restore();
    t.store.stuck = true;
    t.feed(3);
    const saving = t.durable.save();
    expect(t.durable.readiness().ok).toBe(true);
    t.advance(6000);
    expect(t.durable.readiness()).toEqual({
      ok: false,
      reason: `saving the state to ${t.store.description} has not finished after 6 s; /metrics shows the values of the last save`,
    });
    await saving;
    expect(t.durable.status.failures).toBe(1);
    expect(t.durable.status.lastError).toBe(
      `saving the state to the ${t.store.description} did not finish within 0 s`,
    );
  });

  it('stop() rejects when the last save fails, so the exit status says the state was not kept', async () => {
    const t = setup();
    await t.durable.restore();
    t.feed(2);
    t.store.failing = true;
    await expect(t.durable.stop()).rejects.toThrow(
      'the last save failed: no space left on the device (ENOSPC)',
    );
  });
});
