/**
 * The current-state gauges of the metrics contract: tasks by the status of
 * their highest version, the oldest pending task's creation, the oldest
 * unfinished deployment's start, and the newest event per account and
 * region. Exact under redelivery and reordering, and the same after a
 * save and restore in the middle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { expositionOf, fixtureEvent, freshCore, sample } from '../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
type Event = Record<string, unknown>;

const base = fixtureEvent('task-exited.json');
const WORKLOAD =
  'aws_account_id="832665068462",aws_region="ap-northeast-1",ecs_cluster="apline-hello-cluster",ecs_service="web",family="apline-hello-task-definition",launch_type="FARGATE"';
const T0 = Date.parse('2026-11-02T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A task event: task `n`, `version`, status; created at T0 + n minutes, sent `atMin` minutes after T0. */
function task(n: number, version: number, lastStatus: string, atMin = version): Event {
  const detail = base.detail as Record<string, unknown>;
  return {
    ...base,
    id: `t${n}-v${version}`,
    time: iso(T0 + atMin * 60_000),
    detail: {
      ...detail,
      taskArn: `arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/${'0'.repeat(30)}${String(n).padStart(2, '0')}`,
      version,
      lastStatus,
      desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
      group: 'service:web',
      createdAt: iso(T0 + n * 60_000),
      containers: [],
      ...(lastStatus === 'STOPPED' ? {} : { stoppedAt: undefined, stopCode: undefined }),
    },
  };
}

const lines = (events: readonly Event[]) => events.map((e) => JSON.stringify(e));
const tasks = (text: string, status: string) =>
  sample(text, `ecs_tasks{${WORKLOAD},last_status="${status}"}`);
const pendingSince = (text: string) =>
  sample(text, `ecs_task_pending_since_timestamp_seconds{${WORKLOAD}}`);

describe('ecs_tasks', () => {
  it('follows the highest version seen, whatever order the events come in', async () => {
    for (const order of [
      [task(1, 1, 'PENDING'), task(1, 2, 'RUNNING')],
      [task(1, 2, 'RUNNING'), task(1, 1, 'PENDING')],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      expect(tasks(text, 'RUNNING')).toBe(1);
      expect(tasks(text, 'PENDING')).toBeUndefined();
    }
  });

  it('a task leaves at STOPPED, and an older event arriving after does not bring it back', async () => {
    const text = await expositionOf(
      lines([task(1, 1, 'PENDING'), task(1, 3, 'STOPPED'), task(1, 2, 'RUNNING')]),
      ARGS,
    );
    expect(text).not.toContain('ecs_tasks{');
    expect(
      sample(text, `ecs_task_state_transitions_total{${WORKLOAD},last_status="RUNNING"}`),
    ).toBe(1);
  });

  it('counts tasks per status and is not moved by redeliveries', async () => {
    const events = [task(1, 1, 'PENDING'), task(2, 1, 'PENDING'), task(2, 2, 'RUNNING')];
    const text = await expositionOf(
      lines([...events, ...events, { ...events[0], id: 'again' }]),
      ARGS,
    );
    expect(tasks(text, 'PENDING')).toBe(1);
    expect(tasks(text, 'RUNNING')).toBe(1);
  });

  it('a task the cap on tracked tasks forgets leaves the gauge', async () => {
    const text = await expositionOf(
      lines([task(1, 1, 'RUNNING'), task(2, 1, 'RUNNING'), task(3, 1, 'RUNNING')]),
      [...ARGS, '--max-tracked-tasks', '2'],
    );
    expect(tasks(text, 'RUNNING')).toBe(2);
  });
});

describe('ecs_task_pending_since_timestamp_seconds', () => {
  it('is the earliest createdAt of the tasks still starting, and absent when none is', async () => {
    const pending = [task(1, 1, 'PROVISIONING'), task(2, 1, 'PENDING'), task(3, 1, 'ACTIVATING')];
    let text = await expositionOf(lines(pending), ARGS);
    expect(pendingSince(text)).toBe((T0 + 60_000) / 1000);
    text = await expositionOf(lines([...pending, task(1, 2, 'RUNNING')]), ARGS);
    expect(pendingSince(text)).toBe((T0 + 120_000) / 1000);
    text = await expositionOf(
      lines([...pending, task(1, 2, 'RUNNING'), task(2, 2, 'STOPPED'), task(3, 2, 'RUNNING')]),
      ARGS,
    );
    expect(pendingSince(text)).toBeUndefined();
    expect(text).not.toContain('ecs_task_pending_since_timestamp_seconds{');
  });
});

describe('ecs_service_deployment_in_progress_since_timestamp_seconds', () => {
  const started = fixtureEvent('deployment-in-progress.json');
  const completed = fixtureEvent('deployment-completed.json');
  const SERVICE =
    'ecs_service_deployment_in_progress_since_timestamp_seconds{aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production",ecs_service="checkout"}';
  const other = (event: Event, id: string, updatedAt: string): Event => ({
    ...event,
    id,
    detail: {
      ...(event.detail as Record<string, unknown>),
      deploymentId: 'ecs-svc/2',
      updatedAt,
    },
  });

  it('shows the start of the oldest deployment neither completed nor failed', async () => {
    let text = await expositionOf(lines([started]), ARGS);
    expect(sample(text, SERVICE)).toBe(Date.parse('2026-11-02T10:00:01.117Z') / 1000);
    text = await expositionOf(lines([completed, started]), ARGS);
    expect(sample(text, SERVICE)).toBeUndefined();
    const second = other(started, 'd2', '2026-11-02T11:00:00Z');
    text = await expositionOf(lines([second, started]), ARGS);
    expect(sample(text, SERVICE)).toBe(Date.parse('2026-11-02T10:00:01.117Z') / 1000);
    text = await expositionOf(lines([started, second, completed, started]), ARGS);
    expect(sample(text, SERVICE)).toBe(Date.parse('2026-11-02T11:00:00Z') / 1000);
  });
});

describe('ecs_events_last_event_timestamp_seconds', () => {
  it('is the newest event time per account and region, in any order', async () => {
    const a = task(1, 1, 'PENDING', 5);
    const b = task(1, 2, 'RUNNING', 2);
    const elsewhere = { ...task(2, 1, 'PENDING', 1), account: '999988887777', region: 'eu-west-1' };
    for (const order of [
      [a, b, elsewhere],
      [elsewhere, b, a],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      const name = 'ecs_events_last_event_timestamp_seconds';
      expect(
        sample(text, `${name}{aws_account_id="832665068462",aws_region="ap-northeast-1"}`),
      ).toBe((T0 + 5 * 60_000) / 1000);
      expect(sample(text, `${name}{aws_account_id="999988887777",aws_region="eu-west-1"}`)).toBe(
        (T0 + 60_000) / 1000,
      );
    }
  });
});

/** Task histories: each task's versions 1..n with statuses along the lifecycle. */
const STATUSES = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPED'];
const histories = fc.array(fc.integer({ min: 1, max: STATUSES.length }), {
  minLength: 1,
  maxLength: 6,
});

function eventsOf(lengths: readonly number[]): Event[] {
  return lengths.flatMap((n, t) =>
    Array.from({ length: n }, (_, v) => task(t + 1, v + 1, STATUSES[v] as string)),
  );
}

describe('current state under reordering, redelivery and a restore', () => {
  it('equals the model: each task by its highest version, gone once STOPPED', async () => {
    await fc.assert(
      fc.asyncProperty(
        histories,
        fc.infiniteStream(fc.nat()),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat(),
        async (lengths, order, repeats, cut) => {
          const events = eventsOf(lengths);
          const shuffled = lines(events);
          const it = order[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
          }
          for (const r of repeats)
            shuffled.splice(r % shuffled.length, 0, shuffled[r % shuffled.length] as string);

          // Saved and restored into a fresh process part way through.
          const first = freshCore(ARGS);
          const at = cut % (shuffled.length + 1);
          for (const line of shuffled.slice(0, at)) first.pipeline.handle(line);
          const saved = JSON.parse(JSON.stringify(captureState(first)));
          const second = freshCore(ARGS);
          restoreState(second, saved);
          for (const line of shuffled.slice(at)) second.pipeline.handle(line);
          const text = canonicalExposition(await second.exposition());

          const expected = new Map<string, number>();
          let oldestPending = Number.POSITIVE_INFINITY;
          lengths.forEach((n, t) => {
            const status = STATUSES[n - 1] as string;
            if (status === 'STOPPED') return;
            expected.set(status, (expected.get(status) ?? 0) + 1);
            if (['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(status)) {
              oldestPending = Math.min(oldestPending, T0 + (t + 1) * 60_000);
            }
          });
          for (const status of STATUSES) expect(tasks(text, status)).toBe(expected.get(status));
          expect(pendingSince(text)).toBe(
            Number.isFinite(oldestPending) ? oldestPending / 1000 : undefined,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a saved current-state view', () => {
  it('is refused whole when an entry names no saved task, a label set it lacks, or a task twice', async () => {
    const core = freshCore(ARGS);
    for (const line of lines([task(1, 1, 'PENDING'), task(2, 2, 'RUNNING')])) {
      core.pipeline.handle(line);
    }
    const saved = JSON.parse(JSON.stringify(captureState(core)));
    const view = saved.kinds['task-state-change'].current;
    expect(view.tasks).toHaveLength(2);
    const broken = (change: (tasks: unknown[][]) => void) => {
      const copy = JSON.parse(JSON.stringify(saved));
      change(copy.kinds['task-state-change'].current.tasks);
      return copy;
    };
    const target = freshCore(ARGS);
    const before = canonicalExposition(await target.exposition());
    for (const copy of [
      broken((t) => {
        (t[0] as unknown[])[0] = 99;
      }),
      broken((t) => {
        (t[0] as unknown[])[2] = 5;
      }),
      broken((t) => {
        t.push([...(t[0] as unknown[])]);
      }),
    ]) {
      expect(() => restoreState(target, copy)).toThrow(/current task/);
      expect(canonicalExposition(await target.exposition())).toBe(before);
    }
    restoreState(target, saved);
    const text = canonicalExposition(await target.exposition());
    expect(tasks(text, 'PENDING')).toBe(1);
    expect(tasks(text, 'RUNNING')).toBe(1);
  });
});

describe('series born at 0 for the counter alerts', () => {
  it("a service's first deployment event creates its failed and rolled_back series at 0", async () => {
    const text = await expositionOf(lines([fixtureEvent('deployment-in-progress.json')]), ARGS);
    const service =
      'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production",ecs_service="checkout"';
    expect(sample(text, `ecs_service_deployments_total{${service},outcome="started"}`)).toBe(1);
    expect(sample(text, `ecs_service_deployments_total{${service},outcome="failed"}`)).toBe(0);
    expect(sample(text, `ecs_service_deployments_total{${service},outcome="rolled_back"}`)).toBe(0);
  });
});
