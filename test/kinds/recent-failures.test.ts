/**
 * The recent failures lists: failed stops and deployments, once each,
 * newest kept, saved with the state and restored (through a state file too),
 * malformed entries refused, shortened to the limit of the new run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Counting } from '../../src/counting.js';
import { createCounting } from '../../src/counting.js';
import { RecentList } from '../../src/kinds/recent-failures.js';
import { captureState, DurableState, restoreState } from '../../src/state/durable-state.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import {
  feed,
  fixtureEvent,
  fixtureLine,
  freshCore,
  replayConfig,
  silentLogger,
} from '../helpers/exposition.js';

/** A counting that lists at most `limit` failures per list (`--recent-failures` of run and demo). */
const limited = (limit: number): Counting =>
  createCounting({ ...replayConfig(), recentFailures: limit }, silentLogger, undefined);

const FAILED = [
  'task-stopped-oom.json',
  'task-stopped-image-pull-failed.json',
  'task-stopped-health-check-managed-instances.json',
  'task-failed-to-start.json',
];
const NOT_FAILED = [
  'task-exited.json',
  'task-stopped-user-initiated.json',
  'task-stopped-external-no-stop-code.json',
];

/** A stop event of a task of its own, `seconds` after a base time, by the OOM fixture. */
function oomStop(n: number, seconds: number): string {
  const event = fixtureEvent('task-stopped-oom.json');
  const detail = event.detail as Record<string, unknown>;
  event.id = `id-${n}`;
  event.time = new Date(Date.UTC(2026, 10, 1) + seconds * 1000).toISOString();
  detail.taskArn = `arn:aws:ecs:eu-west-1:111122223333:task/prod/${String(n).padStart(32, '0')}`;
  return JSON.stringify(event);
}

describe('recent failures', () => {
  it('lists the failed stops with their reason, stop code and exit codes, and no other stop', () => {
    const core = feed(freshCore(), [...FAILED, ...NOT_FAILED].map(fixtureLine));
    const { tasks, deployments } = core.recentFailures();
    expect(deployments).toEqual([]);
    expect(tasks.map((t) => t.reasonClass).sort()).toEqual([
      'health_check_failed',
      'image_pull_failed',
      'out_of_memory',
      'resource_initialization_failed',
    ]);
    const oom = tasks.find((t) => t.reasonClass === 'out_of_memory');
    expect(oom).toMatchObject({
      region: 'ap-northeast-1',
      cluster: 'apline-hello-cluster',
      taskId: '0a7d1c4e2b3f4a5b8c9d0e1f2a3b4c5d',
      stopCode: 'EssentialContainerExited',
      timeMs: Date.parse('2021-07-12T05:44:09Z'),
    });
    expect(oom?.containers).toEqual([
      expect.objectContaining({ name: 'alpine-hello', exitCode: 137 }),
    ]);
  });

  it('lists an essential container exit only when an exit code is not 0', () => {
    const exited = fixtureEvent('task-exited.json');
    const detail = exited.detail as { containers: { exitCode: number }[] };
    (detail.containers[0] as { exitCode: number }).exitCode = 1;
    const core = feed(freshCore(), [JSON.stringify(exited)]);
    expect(core.recentFailures().tasks.map((t) => t.reasonClass)).toEqual([
      'essential_container_exited',
    ]);
    expect(feed(freshCore(), [fixtureLine('task-exited.json')]).recentFailures().tasks).toEqual([]);
  });

  it('lists a redelivered stop once, whether it comes with the same or a new event id', () => {
    const line = fixtureLine('task-stopped-oom.json');
    const again = JSON.parse(line) as Record<string, unknown>;
    again.id = 'another-id';
    const core = feed(freshCore(), [line, line, JSON.stringify(again)]);
    expect(core.recentFailures().tasks).toHaveLength(1);
  });

  it('keeps the newest, whatever the order the stops arrive in', () => {
    const stops = Array.from({ length: 8 }, (_, i) => oomStop(i, i * 10));
    const forward = feed(limited(3), stops);
    const backward = feed(limited(3), [...stops].reverse());
    const ids = (c: Counting) => c.recentFailures().tasks.map((t) => t.taskId.slice(-1));
    expect(ids(forward)).toEqual(['7', '6', '5']);
    expect(ids(backward)).toEqual(['7', '6', '5']);
  });

  it('lists a deployment that failed and rolled back once, with both outcomes', () => {
    const line = fixtureLine('deployment-failed-rolling-back.json');
    const core = feed(freshCore(), [fixtureLine('deployment-in-progress.json'), line, line]);
    const { deployments } = core.recentFailures();
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      region: 'us-west-2',
      cluster: 'production',
      service: 'checkout',
      outcomes: ['failed', 'rolled_back'],
      eventName: 'SERVICE_DEPLOYMENT_FAILED',
    });
    expect(deployments[0]?.reason).toContain('circuit breaker');
  });

  it('is saved with the state and restored, through JSON', () => {
    const records = [...FAILED, 'deployment-failed-rolling-back.json'].map(fixtureLine);
    const before = feed(freshCore(), records);
    const saved = JSON.parse(JSON.stringify(captureState(before))) as unknown;
    const after = freshCore();
    restoreState(after, saved);
    expect(after.recentFailures()).toEqual(before.recentFailures());
    // Captured again, byte for byte what was saved.
    expect(JSON.stringify(captureState(after))).toBe(JSON.stringify(saved));
    // Exactly once across the restart: the same stops again add nothing.
    feed(after, records);
    expect(after.recentFailures()).toEqual(before.recentFailures());
  });

  it('survives a restart: saved to a state file and restored by the next process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recent-failures-state-'));
    const durableFor = (core: Counting) =>
      new DurableState({
        store: new FileStateStore({ directory: dir, fileName: 'state.json' }),
        counting: core,
        source: {
          position: () => ({ at: core.self.counts.records.processed }),
          checkPosition: () => undefined,
        },
        intervalMs: 60_000,
        logger: silentLogger,
      });
    const before = freshCore();
    await durableFor(before).restore();
    feed(before, [...FAILED, 'deployment-failed-rolling-back.json'].map(fixtureLine));
    await durableFor(before).save();
    const after = freshCore();
    await durableFor(after).restore();
    expect(after.recentFailures().tasks).toHaveLength(FAILED.length);
    expect(after.recentFailures()).toEqual(before.recentFailures());
  });

  it('restores a state saved before failures were listed, starting the lists empty', () => {
    const before = feed(freshCore(), FAILED.map(fixtureLine));
    const saved = JSON.parse(JSON.stringify(captureState(before))) as {
      kinds: Record<string, Record<string, unknown>>;
    };
    for (const kind of Object.values(saved.kinds)) delete kind.recentFailures;
    const after = freshCore();
    restoreState(after, saved);
    expect(after.recentFailures()).toEqual({
      tasks: [],
      deployments: [],
      'daemon-deployments': [],
      hooks: [],
    });
    expect(after.tracked()).toBe(before.tracked());
  });

  it('refuses malformed saved entries, changing nothing', () => {
    const before = feed(freshCore(), FAILED.map(fixtureLine));
    const saved = JSON.parse(JSON.stringify(captureState(before))) as {
      kinds: Record<string, { recentFailures: unknown[] }>;
    };
    (saved.kinds['task-state-change'] as { recentFailures: unknown[] }).recentFailures.push({
      taskId: 1,
    });
    const after = feed(freshCore(), [fixtureLine('task-stopped-oom.json')]);
    expect(() => restoreState(after, saved)).toThrow(/recent task failure/);
    expect(after.recentFailures().tasks).toHaveLength(1);
  });

  it('shortens a restored list to the limit of the new run', () => {
    const stops = Array.from({ length: 5 }, (_, i) => oomStop(i, i));
    const saved = JSON.parse(JSON.stringify(captureState(feed(freshCore(), stops)))) as unknown;
    const after = limited(2);
    restoreState(after, saved);
    expect(after.recentFailures().tasks.map((t) => t.taskId.slice(-1))).toEqual(['4', '3']);
  });
});

describe('RecentList', () => {
  it('puts an entry older than every one of a full list nowhere', () => {
    const list = new RecentList<{ timeMs: number | null; k: string }>(2, (e) => e.k);
    expect(list.put({ timeMs: 5, k: 'a' })).toBe(true);
    expect(list.put({ timeMs: 6, k: 'b' })).toBe(true);
    expect(list.put({ timeMs: 1, k: 'c' })).toBe(false);
    expect(list.put({ timeMs: null, k: 'd' })).toBe(false);
    expect(list.entries.map((e) => e.k)).toEqual(['b', 'a']);
  });
});
