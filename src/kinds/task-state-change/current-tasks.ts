/**
 * The current-state view of tasks: each task not yet STOPPED, by the status
 * of its highest version seen, counted in `ecs_tasks`, and the oldest
 * creation of the tasks still starting in
 * `ecs_task_pending_since_timestamp_seconds`. The same whatever the order
 * the distinct events arrive in: the highest version decides the status,
 * and a task that was ever seen STOPPED (or DELETED) is gone whatever came
 * after. Bounded by the tracker: a task it forgets leaves the view.
 */
import type { MetricSpec } from '../../metrics/metric-spec.js';
import { type LabelValues, labelValues, type SeriesStore } from '../../metrics/series-store.js';
import { OldestSince } from '../oldest-since.js';
import { TASK_LABEL_NAMES } from './task-metrics.js';

export const TASKS = 'ecs_tasks';
export const TASK_PENDING_SINCE = 'ecs_task_pending_since_timestamp_seconds';

export const CURRENT_TASK_METRICS: readonly MetricSpec[] = [
  {
    name: TASKS,
    type: 'gauge',
    group: 'task',
    help: 'Tasks known to be in each status short of STOPPED, by the status of the highest version seen of each; a task leaves at STOPPED or when the exporter forgets it. Tasks whose last event predates what the exporter has read (the stream retention before it started, or a lost state) are not known.',
    labelNames: [...TASK_LABEL_NAMES, 'last_status'],
  },
  {
    name: TASK_PENDING_SINCE,
    type: 'gauge',
    group: 'task',
    help: 'The earliest createdAt (else the event time) of the tasks now in PROVISIONING, PENDING or ACTIVATING, in seconds since the epoch; absent when there are none.',
    labelNames: [...TASK_LABEL_NAMES],
  },
];

/** Statuses of a task that has not started yet. */
export const STARTING_STATUSES: ReadonlySet<string> = new Set([
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
]);

/** What is kept per task still in the view. */
interface Current {
  readonly v: number;
  readonly l: LabelValues;
  readonly s: string;
  /** createdAt (else the event time) in ms; NaN when neither is known. */
  readonly c: number;
}

/** Saved: the distinct label sets, and per task [key, version, label index, status, created ms or null]. */
export interface CurrentSnapshot {
  readonly labels: string[][];
  readonly tasks: [string, number, number, string, number | null][];
}

/** Where the view is shown. */
export interface CurrentSink {
  tasks(labels: LabelValues, status: string, delta: number): void;
  pendingSince(labels: LabelValues, seconds: number): void;
}

export function currentSink(store: SeriesStore): CurrentSink {
  const tasks = store.family(TASKS);
  const since = store.family(TASK_PENDING_SINCE);
  return {
    tasks: (labels, status, delta) => store.add(tasks, labels, [status], delta),
    pendingSince: (labels, seconds) => store.set(since, labels, [], seconds),
  };
}

export const NO_CURRENT_SINK: CurrentSink = { tasks() {}, pendingSince() {} };

export class CurrentTasks {
  #tasks = new Map<string, Current>();
  readonly #sink: CurrentSink;
  readonly #pending: OldestSince;

  constructor(sink: CurrentSink) {
    this.#sink = sink;
    this.#pending = new OldestSince(sink.pendingSince);
  }

  get size(): number {
    return this.#tasks.size;
  }

  /**
   * A processed event of the task under `key`. `ended`: the task was seen
   * STOPPED or DELETED at any version, so it leaves whatever this event says.
   */
  update(
    key: string,
    version: number,
    status: string,
    labels: LabelValues,
    createdMs: number,
    ended: boolean,
  ): void {
    const previous = this.#tasks.get(key);
    if (ended) {
      if (previous !== undefined) this.forget(key);
      return;
    }
    if (previous !== undefined && version <= previous.v) return;
    const c = Number.isFinite(createdMs) ? createdMs : (previous?.c ?? Number.NaN);
    if (previous !== undefined) this.#leave(previous);
    const current: Current = { v: version, l: labels, s: status, c };
    this.#tasks.set(key, current);
    this.#enter(current);
  }

  /** The task leaves the view (stopped, or forgotten by the tracker). */
  forget(key: string): void {
    const previous = this.#tasks.get(key);
    if (previous === undefined) return;
    this.#tasks.delete(key);
    this.#leave(previous);
  }

  #enter(task: Current): void {
    this.#sink.tasks(task.l, task.s, 1);
    if (STARTING_STATUSES.has(task.s)) this.#pending.add(task.l, task.c);
  }

  #leave(task: Current): void {
    this.#sink.tasks(task.l, task.s, -1);
    if (STARTING_STATUSES.has(task.s)) this.#pending.remove(task.l, task.c);
  }

  snapshot(): CurrentSnapshot {
    const index = new Map<string, number>();
    const labels: string[][] = [];
    const tasks: CurrentSnapshot['tasks'] = [];
    for (const [key, t] of this.#tasks) {
      let i = index.get(t.l.key);
      if (i === undefined) {
        i = labels.length;
        index.set(t.l.key, i);
        labels.push([...t.l.values]);
      }
      tasks.push([key, t.v, i, t.s, Number.isFinite(t.c) ? t.c : null]);
    }
    return { labels, tasks };
  }

  /**
   * Checks a saved view (absent in states saved before it existed: empty)
   * against the tracker's restored keys and returns what replaces this one.
   * The gauges themselves are restored with the series store, saved with it.
   */
  prepareRestore(data: unknown, stored: ReadonlyMap<string, string>): () => void {
    const restored = new Map<string, Current>();
    if (data !== undefined) {
      const d = data as CurrentSnapshot;
      if (
        typeof d !== 'object' ||
        d === null ||
        !Array.isArray(d.labels) ||
        !Array.isArray(d.tasks)
      ) {
        throw new Error('current tasks are malformed');
      }
      const labels = d.labels.map((l) => {
        if (
          !Array.isArray(l) ||
          l.length !== TASK_LABEL_NAMES.length ||
          !l.every((v) => typeof v === 'string')
        ) {
          throw new Error('current task labels are malformed');
        }
        return labelValues(l);
      });
      for (const entry of d.tasks) {
        const [key, v, i, s, c] = Array.isArray(entry) ? entry : [];
        const l = typeof i === 'number' ? labels[i] : undefined;
        const owned = typeof key === 'string' ? stored.get(key) : undefined;
        if (
          owned === undefined ||
          l === undefined ||
          !Number.isSafeInteger(v) ||
          typeof s !== 'string' ||
          !(c === null || (typeof c === 'number' && Number.isFinite(c))) ||
          restored.has(owned)
        ) {
          throw new Error('current task entry is malformed');
        }
        restored.set(owned, { v: v as number, l, s, c: c ?? Number.NaN });
      }
    }
    return () => {
      this.#tasks = restored;
      this.#pending.restore(
        [...restored.values()].filter((t) => STARTING_STATUSES.has(t.s)).map((t) => [t.l, t.c]),
      );
    };
  }
}
