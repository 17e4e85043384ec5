/**
 * Series expiry in event time: idle workloads leave the exposition, the saved
 * state and the cap, held ones stay; series born at 0 give way first; a
 * restored state obeys the live bounds; the event-time clock.
 */
import { describe, expect, it } from 'vitest';
import {
  CONTAINER_INSTANCE_METRICS,
  CONTAINER_INSTANCES,
} from '../../src/kinds/container-instance-state-change/kind.js';
import {
  DEPLOYMENT_METRICS,
  SERVICE_DEPLOYMENTS,
} from '../../src/kinds/deployment-state-change/kind.js';
import { EVENT_LABELS } from '../../src/kinds/labels.js';
import {
  TASK_METRICS,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
  WATCHED_STOPS,
} from '../../src/kinds/task-state-change/task-metrics.js';
import { FOLDED } from '../../src/metrics/metric-spec.js';
import { labelValues, SeriesStore } from '../../src/metrics/series-store.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const IDLE = 14 * DAY;

const task = (name: string, service = name) =>
  labelValues(['123456789012', 'eu-west-1', 'prod', service, name, 'FARGATE']);
const service = (name: string) => labelValues(['123456789012', 'eu-west-1', 'prod', name]);

/** Two events at `ms` (the clock moves once a second event confirms a time), then what is idle by it expires. */
function at(store: SeriesStore, ms: number): void {
  store.advance(ms);
  store.advance(ms);
  store.expireDue();
}

function storeWith(maxSeriesPerMetric: number) {
  const counts = { folded: 0, expired: 0, shed: 0 };
  const store = new SeriesStore([...TASK_METRICS, ...DEPLOYMENT_METRICS], {
    labels: EVENT_LABELS,
    maxSeriesPerMetric,
    idleExpiryMs: IDLE,
    folded: () => counts.folded++,
    expired: (_metric, n) => {
      counts.expired += n;
    },
    shed: () => counts.shed++,
  });
  const transitions = store.family(TASK_STATE_TRANSITIONS);
  const stopped = store.family(TASK_STOPPED);
  const names = (family = transitions) =>
    store
      .shown(family)
      .map((s) => `${family === transitions ? s.values[4] : s.values[3]}=${s.value}`);
  return { store, counts, transitions, stopped, names };
}

describe('an idle workload expires', () => {
  it('leaves the exposition, the saved state and the cap once idle for the expiry, and comes back from 0', () => {
    const { store, counts, transitions, names } = storeWith(3);
    at(store, T0);
    store.inc(transitions, task('a'), ['RUNNING']);
    store.inc(transitions, task('a'), ['STOPPED']);
    at(store, T0 + DAY);
    store.inc(transitions, task('b'), ['RUNNING']);
    // At the cap: c folds.
    store.inc(transitions, task('c'), ['RUNNING']);
    expect(counts.folded).toBe(1);
    at(store, T0 + IDLE);
    expect(names()).toEqual(['a=1', 'a=1', 'b=1', '_other_=1']);
    at(store, T0 + IDLE + 1);
    expect(names()).toEqual(['b=1', '_other_=1']);
    expect(counts.expired).toBe(2);
    expect(JSON.stringify(store.snapshot())).not.toContain('"a"');
    // a's places are free: d gets a series of its own, and a comes back from 0.
    store.inc(transitions, task('d'), ['RUNNING']);
    store.inc(transitions, task('a'), ['STOPPED']);
    expect(counts.folded).toBe(1);
    at(store, T0 + IDLE + DAY + 2);
    expect(names()).toEqual(['a=1', 'd=1']);
    // b and the folded workload expired: a and d are left, and their services.
    expect(store.workloadCount).toBe(4);
  });

  it('stays while something of it is held, and expires an idle period after the release at the earliest', () => {
    const { store, transitions, names } = storeWith(100);
    at(store, T0);
    store.inc(transitions, task('stable'), ['RUNNING']);
    const w = store.workloadOf(transitions, task('stable'));
    if (w === undefined) throw new Error('task metrics have workloads');
    store.hold(w);
    at(store, T0 + 100 * DAY);
    expect(names()).toEqual(['stable=1']);
    store.release(w);
    // Released long after its last event: it goes when the clock next moves.
    at(store, T0 + 100 * DAY + 1);
    expect(names()).toEqual([]);
  });

  it("keeps a service's deployment series while a workload of the service is active", () => {
    const { store, transitions, names } = storeWith(100);
    const deployments = store.family(SERVICE_DEPLOYMENTS);
    at(store, T0);
    store.inc(deployments, service('api'), ['started']);
    store.inc(deployments, service('old'), ['started']);
    for (let day = 1; day <= 30; day++) {
      at(store, T0 + day * DAY);
      store.inc(transitions, task('api-v2', 'api'), ['RUNNING']);
    }
    expect(names(deployments)).toEqual(['api=1']);
  });

  it('expires none of a thousand workloads active every 1,000 s over a million events', () => {
    const { store, transitions } = storeWith(10_000);
    const labels = Array.from({ length: 1000 }, (_, i) => task(`w${i}`));
    for (let i = 0; i < 1_000_000; i++) {
      store.advance(T0 + i * 1000);
      store.inc(transitions, labels[i % 1000] as ReturnType<typeof task>, ['RUNNING']);
      store.expireDue();
    }
    // Every workload active within the last 1000 s: none expired, each counted whole.
    expect(store.shown(transitions).reduce((n, s) => n + s.value, 0)).toBe(1_000_000);
  });
});

describe('a gauge with workload labels', () => {
  it('expires with its workload, and a late decrement does not bring it back below 0', () => {
    const store = new SeriesStore(CONTAINER_INSTANCE_METRICS, {
      labels: EVENT_LABELS,
      maxSeriesPerMetric: 100,
      idleExpiryMs: IDLE,
      folded: () => {},
    });
    const gauge = store.family(CONTAINER_INSTANCES);
    const cluster = labelValues(['123456789012', 'eu-west-1', 'prod']);
    at(store, T0);
    store.add(gauge, cluster, ['ACTIVE', 'true'], 1);
    store.add(gauge, cluster, ['ACTIVE', 'true'], -1);
    store.add(gauge, cluster, ['INACTIVE', 'true'], 1);
    expect(store.shownCount(gauge)).toBe(1);
    at(store, T0 + IDLE + 1);
    expect(store.shownCount(gauge)).toBe(0);
    store.add(gauge, labelValues(['123456789012', 'eu-west-1', 'prod']), ['INACTIVE', 'true'], -1);
    expect(store.family(CONTAINER_INSTANCES).series.size).toBe(0);
  });
});

describe('series created at 0 give way first', () => {
  it('are not created past the cap, and a real fact at the cap takes the place of one rather than fold', () => {
    const { store, counts, stopped } = storeWith(10);
    at(store, T0);
    for (const watched of WATCHED_STOPS) store.ensure(stopped, task('a'), watched);
    store.inc(stopped, task('a'), ['EssentialContainerExited', 'out_of_memory']);
    for (const watched of WATCHED_STOPS) store.ensure(stopped, task('b'), watched);
    expect(store.shown(stopped)).toHaveLength(10);
    for (const watched of WATCHED_STOPS) store.inc(stopped, task('c'), watched);
    expect(counts.folded).toBe(0);
    expect(counts.shed).toBe(7);
    const shown = store.shown(stopped);
    expect(shown).toHaveLength(10);
    // a's fact is kept, and c's seven; the oldest zeros went first.
    expect(shown.filter((s) => s.value > 0).map((s) => s.values[4])).toEqual([
      'a',
      ...Array(7).fill('c'),
    ]);
    // b's last two zeros give way to d and e; with no zero left, the next new label set folds.
    store.inc(stopped, task('d'), ['UserInitiated', 'user_initiated']);
    store.inc(stopped, task('e'), ['UserInitiated', 'user_initiated']);
    expect(counts.folded).toBe(0);
    store.inc(stopped, task('g'), ['UserInitiated', 'user_initiated']);
    expect(counts.folded).toBe(1);
    // And a workload's zero series are not made past the cap.
    for (const watched of WATCHED_STOPS) store.ensure(stopped, task('f'), watched);
    expect(store.shown(stopped).filter((s) => s.values[4] === 'f')).toEqual([]);
  });
});

describe('a restored state obeys the live bounds', () => {
  it('restores a state saved before workloads were kept: nothing expires at once, the zeros past the cap go, then the rest fold', () => {
    const { store, transitions, stopped } = storeWith(1000);
    at(store, T0);
    for (let i = 0; i < 30; i++) {
      for (const watched of WATCHED_STOPS) store.ensure(stopped, task(`w${i}`), watched);
      store.inc(stopped, task(`w${i}`), ['UserInitiated', 'user_initiated']);
      store.inc(transitions, task(`w${i}`), ['RUNNING']);
    }
    const { lastSeen: _l, clockMs: _c, ...old } = JSON.parse(JSON.stringify(store.snapshot()));
    const restored = storeWith(20);
    restored.store.prepareRestore(old)();
    expect(restored.store.settle(T0 + DAY)).toBe(0);
    // ecs_task_stopped_total: 240 series, 210 at 0 go, 10 fold; transitions: 10 fold.
    expect(restored.store.restoreReport).toEqual({ shed: 210, folded: 20, rebounded: 0 });
    const kept = restored.store.shown(restored.stopped);
    expect(kept.filter((s) => !s.folded)).toHaveLength(20);
    const folded = kept.filter((s) => s.folded);
    expect(folded.map((s) => s.values[4])).toEqual([FOLDED]);
    // Every fact is still counted.
    expect(kept.reduce((n, s) => n + s.value, 0)).toBe(30);
    // Old workloads are as old as the state's clock: they expire an idle period later.
    at(restored.store, T0 + DAY + IDLE + 1);
    expect(restored.store.shown(restored.transitions)).toEqual([]);
  });

  it('expires at once the workloads a state says have been idle for longer than the expiry', () => {
    const store = new SeriesStore(TASK_METRICS, {
      labels: EVENT_LABELS,
      maxSeriesPerMetric: 100,
      folded: () => {},
    });
    const transitions = store.family(TASK_STATE_TRANSITIONS);
    at(store, T0);
    store.inc(transitions, task('old'), ['RUNNING']);
    at(store, T0 + 10 * DAY);
    store.inc(transitions, task('new'), ['RUNNING']);
    const saved = JSON.parse(JSON.stringify(store.snapshot()));
    const shorter = new SeriesStore(TASK_METRICS, {
      labels: EVENT_LABELS,
      maxSeriesPerMetric: 100,
      idleExpiryMs: 5 * DAY,
      folded: () => {},
    });
    shorter.prepareRestore(saved)();
    expect(shorter.settle(T0 + 10 * DAY)).toBe(1);
    expect(shorter.shown(shorter.family(TASK_STATE_TRANSITIONS)).map((s) => s.values[4])).toEqual([
      'new',
    ]);
  });

  it('bounds 20,000 forged series past the cap on restore: never served as they are', () => {
    const forged = [];
    for (let i = 0; i < 20_000; i++) {
      forged.push([
        ['123456789012', `region-${i}`, `c${i}`, `s${i}`, `f${i}`, `lt${i}`, `STATUS_${i}`],
        i % 2 === 0, // claims to be folded, with labels of its own
        i + 1,
      ]);
    }
    const { store, transitions, counts } = storeWith(100);
    store.prepareRestore({ families: { [TASK_STATE_TRANSITIONS]: forged }, bounds: {} })();
    store.settle(T0);
    const shown = store.shown(transitions);
    expect(shown.filter((s) => !s.folded)).toHaveLength(100);
    // Bounded labels not allowed by the state's bounds are `other`; the rest fold into one series.
    expect(shown.length).toBeLessThanOrEqual(101);
    expect(new Set(shown.map((s) => s.values[6]))).toEqual(new Set(['other']));
    expect(new Set(shown.map((s) => s.values[1]))).toEqual(new Set(['other']));
    expect(shown.reduce((n, s) => n + s.value, 0)).toBe((20_000 * 20_001) / 2);
    expect(store.restoreReport).toEqual({ shed: 0, folded: 19_900, rebounded: 20_000 });
    expect(counts.folded).toBe(0);
    // The store records on within the cap.
    store.inc(transitions, task('after'), ['RUNNING']);
    expect(counts.folded).toBe(1);
  });
});

describe('the event-time clock', () => {
  it('moves with the second-newest event time: one event stamped far ahead moves nothing', () => {
    const { store, transitions, counts } = storeWith(100);
    at(store, T0);
    store.inc(transitions, task('a'), ['RUNNING']);
    store.advance(Date.UTC(2099, 0, 1));
    store.inc(transitions, task('forged'), ['RUNNING']);
    at(store, T0 + DAY);
    expect(store.clockMs).toBe(T0 + DAY);
    expect(counts.expired).toBe(0);
    // A real gap: what was idle goes; the forged event's workload is active as of its own time.
    at(store, T0 + 60 * DAY);
    expect(counts.expired).toBe(1);
    expect(store.shown(transitions).map((s) => s.values[4])).toEqual(['forged']);
  });
});
