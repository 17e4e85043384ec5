/**
 * TaskTracker: dedupe by (task, version), each duration observed once,
 * STOPPED tasks forgotten after the retention in event time, eviction at the
 * cap, tasks told apart by their whole ARN, slots reused.
 */
import { describe, expect, it } from 'vitest';
import type { EcsTaskEvent } from '../../../src/kinds/task-state-change/task-event.js';
import type { TaskFactSink } from '../../../src/kinds/task-state-change/task-metrics.js';
import {
  TaskTracker,
  type TaskTrackerOptions,
} from '../../../src/kinds/task-state-change/tracker.js';
import { labelValues } from '../../../src/metrics/series-store.js';

const labels = labelValues(['c', 's', 'f', 'FARGATE']);
const HOUR = 3_600_000;

function event(
  task: string,
  version: number,
  lastStatus: string,
  timeMs: number,
  extra: Partial<EcsTaskEvent> = {},
): EcsTaskEvent {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:1:task/c/${task}`,
    version,
    lastStatus,
    timeMs,
    labels,
    stopCode: undefined,
    stoppedReason: undefined,
    containerReasons: [],
    exits: [],
    createdAt: undefined,
    pullStartedAt: undefined,
    pullStoppedAt: undefined,
    startedAt: undefined,
    executionStoppedAt: undefined,
    stoppedAt: undefined,
    ...extra,
  };
}

/** Facts the tracker reports, and forgotten tasks, in order, from one shared list. */
let facts: string[] = [];

function tracking(options: Partial<TaskTrackerOptions> = {}): TaskTracker {
  facts = [];
  return new TaskTracker({ ...options, forgotten: (cause) => facts.push(`forgotten ${cause}`) });
}

function recordingSink() {
  const sink: TaskFactSink = {
    // Zero series are the store's business; the facts below are what counts.
    workload: () => {},
    transition: (_l, s) => facts.push(`transition ${s}`),
    stopped: (_l, code, reason) => facts.push(`stopped ${code} ${reason}`),
    imagePull: (_l, s) => facts.push(`pull ${s}`),
    startup: (_l, s) => facts.push(`startup ${s}`),
    run: (_l, code, s) => facts.push(`run ${code} ${s}`),
    exit: (_l, name, code) => facts.push(`exit ${name} ${code}`),
  };
  return { facts, sink };
}

describe('TaskTracker', () => {
  it('deduplicates by (task, version), not by highest version', () => {
    const tracker = tracking();
    const { facts, sink } = recordingSink();
    expect(tracker.apply(event('a', 3, 'RUNNING', 0), sink)).toBe('processed');
    expect(tracker.apply(event('a', 1, 'PENDING', 0), sink)).toBe('processed');
    expect(tracker.apply(event('a', 3, 'RUNNING', 0), sink)).toBe('duplicate');
    expect(tracker.apply(event('a', 1, 'PENDING', 0), sink)).toBe('duplicate');
    expect(tracker.apply(event('b', 1, 'PENDING', 0), sink)).toBe('processed');
    expect(facts).toEqual(['transition RUNNING', 'transition PENDING', 'transition PENDING']);
  });

  it('handles versions outside the bitmask range', () => {
    const tracker = tracking();
    const { sink } = recordingSink();
    for (const v of [0, 30, 31, 32, 1000, -1])
      expect(tracker.apply(event('a', v, 'RUNNING', 0), sink)).toBe('processed');
    for (const v of [0, 30, 31, 32, 1000, -1])
      expect(tracker.apply(event('a', v, 'RUNNING', 0), sink)).toBe('duplicate');
  });

  it('observes each duration once, from the first event that carries its fields', () => {
    const tracker = tracking();
    const { facts, sink } = recordingSink();
    const times = {
      createdAt: '2026-01-01T00:00:00Z',
      pullStartedAt: '2026-01-01T00:00:05Z',
      pullStoppedAt: '2026-01-01T00:00:07.5Z',
      startedAt: '2026-01-01T00:00:10Z',
    };
    tracker.apply(event('a', 2, 'RUNNING', 0, times), sink);
    tracker.apply(
      event('a', 3, 'STOPPED', 0, {
        ...times,
        stopCode: 'EssentialContainerExited',
        stoppedAt: '2026-01-01T00:01:10Z',
      }),
      sink,
    );
    tracker.apply(
      event('a', 4, 'STOPPED', 0, { ...times, stoppedAt: '2026-01-01T00:02:10Z' }),
      sink,
    );
    expect(facts).toEqual([
      'transition RUNNING',
      'pull 2500',
      'startup 10000',
      'transition STOPPED',
      'stopped EssentialContainerExited other',
      'run EssentialContainerExited 60000',
    ]);
  });

  it('observes a duration negative by at most 60 s as 0, and never a more negative or unparseable one', () => {
    const tracker = tracking();
    const { facts, sink } = recordingSink();
    tracker.apply(
      event('a', 1, 'STOPPED', 0, {
        createdAt: 'yesterday',
        startedAt: '2026-01-01T00:02:10Z',
        pullStartedAt: '2026-01-01T00:00:09Z',
        pullStoppedAt: '2026-01-01T00:00:08.980Z',
        executionStoppedAt: '2026-01-01T00:00:09Z',
      }),
      sink,
    );
    // Pull: 20 ms negative → 0; run: 121 s negative → never; startup: unparseable → never.
    expect(facts).toEqual(['transition STOPPED', 'pull 0', 'stopped none other']);
    tracker.apply(
      event('b', 1, 'STOPPED', 0, {
        startedAt: '2026-01-01T00:01:00Z',
        executionStoppedAt: '2026-01-01T00:00:00Z',
      }),
      sink,
    );
    expect(facts.slice(3)).toEqual(['transition STOPPED', 'stopped none other', 'run none 0']);
  });

  it('forgets STOPPED tasks after the retention, measured in event time', () => {
    const tracker = tracking({ stoppedRetentionMs: 24 * HOUR });
    const { facts, sink } = recordingSink();
    tracker.apply(event('a', 1, 'STOPPED', 0), sink);
    tracker.apply(event('b', 1, 'RUNNING', 23 * HOUR), sink);
    expect(tracker.size).toBe(2);
    // Still within retention: a late duplicate of a is recognised.
    expect(tracker.apply(event('a', 1, 'STOPPED', 0), sink)).toBe('duplicate');
    tracker.apply(event('b', 2, 'RUNNING', 25 * HOUR), sink);
    expect(tracker.size).toBe(1);
    expect(facts.filter((f) => f.startsWith('forgotten'))).toEqual(['forgotten retention']);
    // A running task is never forgotten by retention, however old.
    tracker.apply(event('c', 1, 'RUNNING', 100 * HOUR), sink);
    expect(tracker.size).toBe(2);
  });

  it('evicts at the cap, stopped tasks first, and says so', () => {
    const tracker = tracking({ maxTrackedTasks: 3 });
    const { facts, sink } = recordingSink();
    tracker.apply(event('a', 1, 'RUNNING', 0), sink);
    tracker.apply(event('b', 1, 'STOPPED', 0), sink);
    tracker.apply(event('c', 1, 'RUNNING', 0), sink);
    tracker.apply(event('d', 1, 'RUNNING', 0), sink);
    expect(tracker.size).toBe(3);
    expect(facts.filter((f) => f.startsWith('forgotten'))).toEqual(['forgotten capacity']);
    // b (stopped) went first; a (oldest running) is still known.
    expect(tracker.apply(event('a', 1, 'RUNNING', 0), sink)).toBe('duplicate');
    expect(tracker.apply(event('b', 1, 'STOPPED', 0), sink)).toBe('processed');
    // Now nothing is stopped but b: b is the newest; the oldest running task (a) goes.
    expect(tracker.size).toBe(3);
  });

  it('tells tasks apart by their whole ARN, whatever id they end in', () => {
    const tracker = tracking();
    const { sink } = recordingSink();
    const id = 'ff259f15925142589b40c1756e6a0b62';
    const arn = `arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/${id}`;
    const uuid = 'arn:aws:ecs:us-east-1:1:task/1dc5c17a-422b-4dc4-b493-371970c6c4d6';
    const long = `x${'y'.repeat(10_000)}`;
    const arns = [
      arn,
      `forged/${id}`,
      arn.replace('apline-hello-cluster', 'other'),
      uuid,
      long,
      `${long}z`,
    ];
    const apply = (taskArn: string) =>
      tracker.apply({ ...event('x', 1, 'RUNNING', 0), taskArn }, sink);
    for (const taskArn of arns) expect(apply(taskArn), taskArn.slice(0, 60)).toBe('processed');
    for (const taskArn of arns) expect(apply(taskArn), taskArn.slice(0, 60)).toBe('duplicate');
    expect(tracker.size).toBe(arns.length);
    // Keys stay small even for a 10,000-character ARN.
    expect(JSON.stringify(tracker.snapshot()).length).toBeLessThan(3000);
  });

  it('tracks tasks of odd ARNs apart from each other', () => {
    const tracker = tracking();
    const { sink } = recordingSink();
    expect(tracker.apply({ ...event('x', 1, 'RUNNING', 0), taskArn: 'task-one' }, sink)).toBe(
      'processed',
    );
    expect(tracker.apply({ ...event('x', 1, 'RUNNING', 0), taskArn: 'task-two' }, sink)).toBe(
      'processed',
    );
    expect(tracker.apply({ ...event('x', 1, 'RUNNING', 0), taskArn: 'task-one' }, sink)).toBe(
      'duplicate',
    );
    expect(tracker.size).toBe(2);
  });

  it('reuses the slots of forgotten tasks', () => {
    const tracker = tracking({ maxTrackedTasks: 2 });
    const { facts, sink } = recordingSink();
    for (let i = 0; i < 100; i++) {
      expect(
        tracker.apply(event(`t${i}`, 1, 'STOPPED', i, { stopCode: 'UserInitiated' }), sink),
      ).toBe('processed');
    }
    expect(tracker.size).toBe(2);
    // Two live tasks and the one added before each eviction: never more slots than that.
    expect(tracker.slotsUsed).toBe(3);
    expect(facts.filter((f) => f === 'forgotten capacity')).toHaveLength(98);
    // A reused slot starts clean: the newest task's other versions still count.
    expect(tracker.apply(event('t99', 2, 'STOPPED', 100), sink)).toBe('processed');
    expect(tracker.apply(event('t99', 1, 'STOPPED', 100), sink)).toBe('duplicate');
  });

  it('rejects a cap below one', () => {
    expect(() => new TaskTracker({ maxTrackedTasks: 0 })).toThrow(RangeError);
  });
});
