/**
 * The current-state view of tasks: each task not yet STOPPED, by the status
 * of its highest version seen, counted in `ecs_tasks`, and the oldest
 * creation of the tasks still starting in
 * `ecs_task_pending_since_timestamp_seconds`. The same whatever the order
 * the distinct events arrive in: the highest version decides the status,
 * and a task that was ever seen STOPPED (or DELETED) is gone whatever came
 * after. Bounded by the tracker: a task it forgets leaves the view.
 */
import { gauge, type MetricSpec, OTHER } from '../../metrics/metric-spec.js';
import { type LabelValues, labelValues, type SeriesStore } from '../../metrics/series-store.js';
import { OldestSince } from '../oldest-since.js';
import { grown } from './grown.js';
import { TASK_LABEL_NAMES } from './task-metrics.js';

export const TASKS = 'ecs_tasks';
export const TASK_PENDING_SINCE = 'ecs_task_pending_since_timestamp_seconds';

export const CURRENT_TASK_METRICS: readonly MetricSpec[] = [
  gauge(
    'task',
    TASKS,
    [...TASK_LABEL_NAMES, 'last_status'],
    'Tasks known to be in each status short of STOPPED, by the status of the highest version seen of each; a task leaves at STOPPED or when the exporter forgets it. Tasks whose last event predates what the exporter has read (the stream retention before it started, or a lost state) are not known.',
  ),
  gauge(
    'task',
    TASK_PENDING_SINCE,
    [...TASK_LABEL_NAMES],
    'The earliest createdAt (else the event time) of the tasks now in PROVISIONING, PENDING or ACTIVATING, in seconds since the epoch; absent when there are none.',
  ),
];

/** Statuses of a task that has not started yet. */
const STARTING_STATUSES: ReadonlySet<string> = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

/**
 * Saved: the distinct label sets, and per task in the view [its row in the
 * tracker's saved keys, version, label index, status, created ms or null].
 */
export interface CurrentSnapshot {
  readonly labels: string[][];
  readonly tasks: [number, number, number, string, number | null][];
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

/** Most distinct statuses kept by index; past it a status is shown as `other`. */
const MAX_STATUSES = 255;

/**
 * Kept in the tracker's slots (a task's slot in its TaskTable), as typed
 * columns: about 25 bytes per task in the view rather than a Map entry and
 * an object.
 */
export class CurrentTasks {
  /** Highest version seen of a task in the view; NaN for a slot not in it. */
  #version = new Float64Array(1024).fill(Number.NaN);
  /** Index in #statusNames of that version's status. */
  #status = new Uint8Array(1024);
  /** createdAt (else the event time) in ms; NaN when neither is known. */
  #created = new Float64Array(1024).fill(Number.NaN);
  #labels: (LabelValues | undefined)[] = [];
  #statusNames: string[] = [];
  #statusIndex = new Map<string, number>();
  #size = 0;
  readonly #sink: CurrentSink;
  readonly #pending: OldestSince;

  constructor(sink: CurrentSink) {
    this.#sink = sink;
    this.#pending = new OldestSince(sink.pendingSince);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * A processed event of the task in `slot`. `ended`: the task was seen
   * STOPPED or DELETED at any version, so it leaves whatever this event says.
   */
  update(
    slot: number,
    version: number,
    status: string,
    labels: LabelValues,
    createdMs: number,
    ended: boolean,
  ): void {
    this.#ensure(slot);
    const previous = this.#version[slot] as number;
    const inView = !Number.isNaN(previous);
    if (ended) {
      if (inView) this.forget(slot);
      return;
    }
    if (inView && version <= previous) return;
    const created = Number.isFinite(createdMs)
      ? createdMs
      : inView
        ? (this.#created[slot] as number)
        : Number.NaN;
    if (inView) this.#leave(slot);
    else this.#size++;
    this.#version[slot] = version;
    this.#status[slot] = this.#indexOf(status);
    this.#created[slot] = created;
    this.#labels[slot] = labels;
    this.#enter(slot);
  }

  /** The task in `slot` leaves the view (stopped, or forgotten by the tracker). */
  forget(slot: number): void {
    if (slot >= this.#version.length || Number.isNaN(this.#version[slot] as number)) return;
    this.#leave(slot);
    this.#size--;
    this.#version[slot] = Number.NaN;
    this.#created[slot] = Number.NaN;
    this.#labels[slot] = undefined;
  }

  #indexOf(status: string): number {
    let i = this.#statusIndex.get(status);
    if (i === undefined) {
      if (this.#statusNames.length >= MAX_STATUSES) return this.#indexOf(OTHER);
      i = this.#statusNames.length;
      this.#statusNames.push(status);
      this.#statusIndex.set(status, i);
    }
    return i;
  }

  #ensure(slot: number): void {
    if (slot < this.#version.length) return;
    const size = Math.max(this.#version.length * 2, slot + 1);
    this.#version = grown(this.#version, size, Number.NaN);
    this.#status = grown(this.#status, size);
    this.#created = grown(this.#created, size, Number.NaN);
  }

  #enter(slot: number): void {
    const labels = this.#labels[slot] as LabelValues;
    const status = this.#statusNames[this.#status[slot] as number] as string;
    this.#sink.tasks(labels, status, 1);
    if (STARTING_STATUSES.has(status)) this.#pending.add(labels, this.#created[slot] as number);
  }

  #leave(slot: number): void {
    const labels = this.#labels[slot] as LabelValues;
    const status = this.#statusNames[this.#status[slot] as number] as string;
    this.#sink.tasks(labels, status, -1);
    if (STARTING_STATUSES.has(status)) {
      this.#pending.remove(labels, this.#created[slot] as number);
    }
  }

  /** The view as plain data, for the tasks given as (row, slot). */
  snapshot(tasks: Iterable<readonly [number, number]>): CurrentSnapshot {
    const index = new Map<string, number>();
    const labels: string[][] = [];
    const out: CurrentSnapshot['tasks'] = [];
    for (const [row, slot] of tasks) {
      const version = this.#version[slot];
      if (version === undefined || Number.isNaN(version)) continue;
      const l = this.#labels[slot] as LabelValues;
      let i = index.get(l.key);
      if (i === undefined) {
        i = labels.length;
        index.set(l.key, i);
        labels.push([...l.values]);
      }
      const created = this.#created[slot] as number;
      out.push([
        row,
        version,
        i,
        this.#statusNames[this.#status[slot] as number] as string,
        Number.isFinite(created) ? created : null,
      ]);
    }
    return { labels, tasks: out };
  }

  /**
   * Checks a saved view (absent in states saved before it existed: empty)
   * against the restored tracker's slots (`slotOf` a saved task row) and
   * returns what replaces this one. The gauges themselves come back with the
   * series store, saved with them.
   */
  prepareRestore(data: unknown, slotOf: (row: number) => number | undefined): () => void {
    const fresh = new CurrentTasks(NO_CURRENT_SINK);
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
        const [row, v, i, s, c] = Array.isArray(entry) ? entry : [];
        const l = typeof i === 'number' ? labels[i] : undefined;
        const slot = Number.isSafeInteger(row) ? slotOf(row as number) : undefined;
        if (
          slot === undefined ||
          l === undefined ||
          !Number.isSafeInteger(v) ||
          typeof s !== 'string' ||
          !(c === null || (typeof c === 'number' && Number.isFinite(c))) ||
          (slot < fresh.#version.length && !Number.isNaN(fresh.#version[slot] as number))
        ) {
          throw new Error('current task entry is malformed');
        }
        fresh.update(slot, v as number, s, l, c ?? Number.NaN, false);
      }
    }
    return () => {
      this.#version = fresh.#version;
      this.#status = fresh.#status;
      this.#created = fresh.#created;
      this.#labels = fresh.#labels;
      this.#statusNames = fresh.#statusNames;
      this.#statusIndex = fresh.#statusIndex;
      this.#size = fresh.#size;
      const pending: [LabelValues, number][] = [];
      for (let slot = 0; slot < this.#version.length; slot++) {
        if (Number.isNaN(this.#version[slot] as number)) continue;
        const status = this.#statusNames[this.#status[slot] as number] as string;
        if (STARTING_STATUSES.has(status)) {
          pending.push([this.#labels[slot] as LabelValues, this.#created[slot] as number]);
        }
      }
      this.#pending.restore(pending);
    };
  }
}
