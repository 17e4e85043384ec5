/**
 * Months of workload churn (the simulator's churn corpus): through replay,
 * through saves and restores, and through a live `run` on kinesalite
 * restarted in the middle. Idle workloads leave, live ones never fold into
 * _other_, and the saved state stays bounded by the live workloads.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { encodeState } from '../../src/state/state-codec.js';
import {
  CHURN_DEFAULTS,
  type ChurnOptions,
  churnDays,
  longName,
  shortName,
  stableName,
} from '../helpers/churn-corpus.js';
import { runCli } from '../helpers/cli.js';
import { freshCore, sample, sumOf } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { startRun, useLocalStream } from '../helpers/run-exporter.js';

const dir = mkdtempSync(join(tmpdir(), 'churn-test-'));

/** The transitions of a workload's tasks to a status, as exposed. */
const transitions = (text: string, name: string, status: string) =>
  sample(
    text,
    `ecs_task_state_transitions_total{aws_account_id="123456789012",aws_region="eu-west-1",ecs_cluster="churn",ecs_service="${name}",family="${name}",launch_type="FARGATE",last_status="${status}"}`,
  );

/**
 * What months of churn must leave: no live workload folded, the idle short
 * workloads gone and the recent ones there, the stable services kept by
 * their running task, the long-lived services' counts exact.
 */
function expectLifecycle(text: string, options: ChurnOptions): void {
  expect(sumOf(text, 'ecs_events_exporter_series_folded_total')).toBe(0);
  expect(text).not.toContain('="_other_"');
  const last = options.days - 1;
  for (let i = 0; i < options.longServices; i++) {
    const tasks = options.days * options.longTasksPerDay;
    expect(transitions(text, longName(i), 'RUNNING')).toBe(tasks);
    expect(transitions(text, longName(i), 'STOPPED')).toBe(tasks);
  }
  for (let i = 0; i < options.stableServices; i++) {
    expect(transitions(text, stableName(i), 'RUNNING')).toBe(1);
  }
  for (let day = 0; day < options.days; day++) {
    for (const k of [0, options.shortPerDay - 1]) {
      const shown = transitions(text, shortName(day, k), 'STOPPED');
      // Idle for 14 days of event time (the clock ends on the last day, about 11:30).
      if (day < last - 14) expect(shown, `${shortName(day, k)}`).toBeUndefined();
      if (day > last - 14) expect(shown, `${shortName(day, k)}`).toBe(options.shortTasks);
    }
  }
  expect(sumOf(text, 'ecs_events_exporter_series_expired_total')).toBeGreaterThan(0);
}

describe('months of workload churn', () => {
  it('through replay: live workloads never fold, idle ones leave, stable and long-lived services stay exact', () => {
    const file = join(dir, 'churn.ndjson');
    writeFileSync(file, '');
    const chunks: string[] = [];
    for (const day of churnDays(CHURN_DEFAULTS)) chunks.push(`${day.join('\n')}\n`);
    writeFileSync(file, chunks.join(''));
    const { status, stdout, stderr } = runCli([
      'replay',
      file,
      '--max-series-per-metric',
      '3000',
      '--log-level',
      'silent',
    ]);
    expect(stderr).toMatch(/replay/);
    expect(status).toBe(0);
    expectLifecycle(stdout, CHURN_DEFAULTS);
    // The cap holds the live workloads with room to spare: 590 or so of 4,840 ever seen.
    expect(
      sample(stdout, 'ecs_events_exporter_series{metric="ecs_task_state_transitions_total"}'),
    ).toBeLessThan(
      2 *
        (CHURN_DEFAULTS.longServices +
          CHURN_DEFAULTS.stableServices +
          15 * CHURN_DEFAULTS.shortPerDay),
    );
  });

  it('saves a state bounded by the live workloads, not by every workload ever seen', () => {
    const core = freshCore(['--max-series-per-metric', '3000']);
    const bytesAt = new Map<number, number>();
    let day = 0;
    for (const lines of churnDays(CHURN_DEFAULTS)) {
      for (const line of lines) core.pipeline.handle(line);
      day++;
      if (day === 20 || day === 120) {
        const bytes = encodeState({ savedAt: '', position: null, state: captureState(core) });
        bytesAt.set(day, bytes.length);
      }
    }
    const at20 = bytesAt.get(20) as number;
    const at120 = bytesAt.get(120) as number;
    // Six times the workloads seen by day 120 as by day 20, about the same live ones.
    expect(at120 / at20).toBeLessThan(1.5);
    expect(at120).toBeLessThan(2_000_000);
  });
});

describe('months of workload churn, saved and restored', () => {
  it('gives the same exposition as no restart, whatever the day of the restore', async () => {
    const options: ChurnOptions = { ...CHURN_DEFAULTS, days: 40, shortPerDay: 10 };
    const days = [...churnDays(options)];
    const straight = freshCore();
    for (const lines of days) for (const line of lines) straight.pipeline.handle(line);
    const expected = await straight.exposition();
    for (const restartDay of [3, 17, 29]) {
      const before = freshCore();
      days.slice(0, restartDay).forEach((lines) => {
        for (const line of lines) before.pipeline.handle(line);
      });
      const saved = JSON.parse(
        Buffer.from(
          encodeState({ savedAt: '', position: null, state: captureState(before) }),
        ).toString('utf8'),
      ).state;
      // Into a fresh process, and into the same one (its holds are replaced, not added to).
      for (const core of [freshCore(), before]) {
        restoreState(core, saved);
        days.slice(restartDay).forEach((lines) => {
          for (const line of lines) core.pipeline.handle(line);
        });
        expect(await core.exposition(), `restored on day ${restartDay}`).toBe(expected);
      }
    }
  });
});

describe('months of workload churn through a live run, restarted in the middle', () => {
  const options: ChurnOptions = { ...CHURN_DEFAULTS, days: 60, shortPerDay: 10 };
  const stateDir = mkdtempSync(join(tmpdir(), 'churn-state-'));
  // One shard: a backlog read from several shards at once moves the
  // event-time clock with the fastest, and a workload first counted while
  // the clock is ahead of its events is active as of the clock.
  const stream = useLocalStream('churn-events', 1);
  const days = [...churnDays(options)];
  const records = (from: number, to: number) => days.slice(from, to).flat();

  const run = () =>
    startRun(stream(), {
      state: { dir: stateDir },
      args: ['--max-series-per-metric', '2000'],
    });

  const read = (text: string) => sumOf(text, 'ecs_events_exporter_records_total');

  it('keeps the stable services across the restart and ends as replay would', async () => {
    const first = records(0, 30);
    const second = records(30, 60);
    await stream().put(first);
    const one = await run();
    try {
      await waitFor(async () => read(await one.metrics()) === first.length, 60_000, 'first half');
    } finally {
      one.stop();
    }
    expect(await one.exited).toBe(0);
    const stateFile = join(stateDir, `kinesis-checkpoint-${stream().name}.json`);
    const bytesAt30 = statSync(stateFile).size;
    await stream().put(second);
    const two = await run();
    try {
      await waitFor(
        async () => read(await two.metrics()) === first.length + second.length,
        60_000,
        'second half',
      );
      await new Promise((r) => setTimeout(r, 500));
      const text = await two.metrics();
      expectLifecycle(text, options);
      // The saved state names no workload idle for longer than the expiry.
      const saved = readFileSync(stateFile, 'utf8');
      expect(saved).not.toContain(shortName(0, 0));
      expect(saved).toContain(stableName(0));
    } finally {
      two.stop();
    }
    expect(await two.exited).toBe(0);
    expect(statSync(stateFile).size / bytesAt30).toBeLessThan(1.5);
  });
});
