/**
 * Per-task state that makes the counts exact whatever the delivery order:
 * which (task, version) pairs were processed, which statuses were counted,
 * which durations were observed. Pure and bounded: no I/O, no clock (time is
 * the newest event `time` seen), a cap on tracked tasks and a retention after
 * STOPPED. It never touches metrics itself; it tells a sink what to record.
 */
import type { ForgetCause } from '../kind.js';
import { boundLabelValue } from '../label-values.js';
import { parseTime } from '../parse-time.js';
import { IMAGE_PULL, STARTUP } from './carried-durations.js';
import { type CurrentSink, CurrentTasks, NO_CURRENT_SINK } from './current-tasks.js';
import { TaskTable } from './slot-table.js';
import { classifyStopReason } from './stop-reason.js';
import { StoppedQueue } from './stopped-retention.js';
import type { EcsTaskEvent } from './task-event.js';
import { idKey, wholeKey } from './task-key.js';
import type { TaskLabels } from './task-labels.js';
import type { TaskFactSink } from './task-metrics.js';
import { readSnapshot, type TrackerSnapshot, toBase64 } from './tracker-snapshot.js';

type TrackResult = 'processed' | 'duplicate';

export interface TaskTrackerOptions {
  /** Most tasks tracked at once; past it the oldest (stopped ones first) are evicted. */
  readonly maxTrackedTasks: number;
  /** How long, in event time, a STOPPED task is kept to catch late duplicates. */
  readonly stoppedRetentionMs: number;
  /** A tracked task was forgotten. */
  readonly forgotten?: (cause: ForgetCause) => void;
  /** Where the current-state view of tasks is shown (none by default). */
  readonly current?: CurrentSink;
  /** Keeps the workload of each task known to run or be about to (its series do not expire meanwhile). */
  readonly holds?: WorkloadHolds;
}

/**
 * What keeps a workload's series while a task of it runs: taken at a task's
 * first processed event that is not STOPPED, given back when it stops or is
 * forgotten. Handles are opaque to the tracker.
 */
export interface WorkloadHolds {
  running(labels: TaskLabels): object | undefined;
  ended(held: object): void;
  /** The workload's label values, to save. */
  values(held: object): readonly string[];
  /** How many values a workload has. */
  readonly width: number;
  /** Holds a workload again from saved values. */
  restore(values: readonly string[]): object | undefined;
}

const NO_HOLDS: WorkloadHolds = {
  running: () => undefined,
  ended: () => {},
  values: () => [],
  width: 0,
  restore: () => undefined,
};

export const DEFAULT_MAX_TRACKED_TASKS = 200_000;
export const DEFAULT_STOPPED_RETENTION_MS = 24 * 60 * 60 * 1000;

const DONE_PULL = 1;
const DONE_STARTUP = 2;
const DONE_RUN = 4;
const DONE_STOPPED = 8;

/**
 * Longest duration observed: ten years. Longer ones only come from broken or
 * forged timestamps, and keeping them out keeps every histogram sum an exact
 * integer (a sum stays exact below 2^53 ms, about 285,000 years in all).
 */
export const MAX_DURATION_MS = 10 * 366 * 24 * 3_600_000;

/**
 * How negative a duration may come out and still be observed, as 0: ECS
 * stamps some ends a few milliseconds before the start.
 */
const NEGATIVE_DURATION_TOLERANCE_MS = 60_000;

function millis(fromIso: string | undefined, toIso: string | undefined): number {
  if (fromIso === undefined || toIso === undefined) return Number.NaN;
  return parseTime(toIso) - parseTime(fromIso);
}

/** When the task was created: its createdAt, else the event time; NaN when neither is known. */
function createdMs(event: EcsTaskEvent): number {
  const created = event.createdAt === undefined ? Number.NaN : parseTime(event.createdAt);
  return Number.isFinite(created) ? created : event.timeMs;
}

/** The duration to observe, or NaN when it must not be observed. */
export function observable(value: number): number {
  if (value >= 0) return value <= MAX_DURATION_MS ? value : Number.NaN;
  return value >= -NEGATIVE_DURATION_TOLERANCE_MS ? 0 : Number.NaN;
}

/** (row in the saved columns, slot) of each task. */
function* rowsOf(
  entries: Iterable<[string, number]>,
  index: Int32Array,
): Generator<[number, number]> {
  for (const [, slot] of entries) yield [index[slot] as number, slot];
}

/** The saved containers counted per task, keyed as restored; absent in states saved before exits were counted. */
function readExited(data: unknown, stored: ReadonlyMap<string, string>): Map<string, string[]> {
  const exited = new Map<string, string[]>();
  if (data === undefined) return exited;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error('exited containers are not an object');
  }
  for (const [key, names] of Object.entries(data)) {
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw new Error('exited containers are malformed');
    }
    const restored = stored.get(key);
    if (restored === undefined) throw new Error('exited containers of an unknown task');
    exited.set(restored, [...names]);
  }
  return exited;
}

/** Saved holds: workloads, and per task row the one it holds (index + 1); absent in states saved before. */
function readHeld(
  data: unknown,
  tasks: number,
  width: number,
): { workloads: string[][]; rows: Int32Array } {
  const d = data as { heldWorkloads?: unknown; holders?: unknown };
  if (d.heldWorkloads === undefined && d.holders === undefined) {
    return { workloads: [], rows: new Int32Array(tasks) };
  }
  const workloads = d.heldWorkloads;
  if (
    !Array.isArray(workloads) ||
    !workloads.every(
      (w) => Array.isArray(w) && w.length === width && w.every((v) => typeof v === 'string'),
    )
  ) {
    throw new Error('tracker held workloads are malformed');
  }
  if (typeof d.holders !== 'string') throw new Error('tracker holders is not a string');
  const decoded = Buffer.from(d.holders, 'base64');
  if (decoded.length !== tasks * 4) throw new Error('tracker holders has the wrong length');
  const rows = new Int32Array(Uint8Array.from(decoded).buffer);
  for (const w of rows) {
    if (w < 0 || w > workloads.length) throw new Error('tracker holder is out of range');
  }
  return { workloads: workloads as string[][], rows };
}

export class TaskTracker {
  #tasks = new TaskTable();
  readonly #options: Required<Omit<TaskTrackerOptions, 'current'>>;
  readonly #current: CurrentTasks;
  readonly #stopped = new StoppedQueue();
  /** Per task key: the containers whose exit was counted. Only tasks with an exit have an entry. */
  #exited = new Map<string, string[]>();
  /** By slot: the workload a task not yet stopped holds. */
  #held: (object | undefined)[] = [];
  #newestEventMs = Number.NEGATIVE_INFINITY;
  readonly #isLive = (key: string, atMs: number): boolean => {
    const slot = this.#tasks.slot(key);
    return slot !== undefined && this.#tasks.stoppedAt(slot) === atMs;
  };

  constructor(options: Partial<TaskTrackerOptions> = {}) {
    this.#options = {
      maxTrackedTasks: options.maxTrackedTasks ?? DEFAULT_MAX_TRACKED_TASKS,
      stoppedRetentionMs: options.stoppedRetentionMs ?? DEFAULT_STOPPED_RETENTION_MS,
      forgotten: options.forgotten ?? (() => {}),
      holds: options.holds ?? NO_HOLDS,
    };
    this.#current = new CurrentTasks(options.current ?? NO_CURRENT_SINK);
    if (!(this.#options.maxTrackedTasks >= 1)) throw new RangeError('maxTrackedTasks must be >= 1');
    if (!(this.#options.stoppedRetentionMs >= 0)) {
      throw new RangeError('stoppedRetentionMs must be >= 0');
    }
  }

  /** Number of tasks tracked now. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Tasks in the current-state view (not seen STOPPED). */
  get current(): number {
    return this.#current.size;
  }

  /** Slots ever handed out (tests: forgotten tasks' slots are reused). */
  get slotsUsed(): number {
    return this.#tasks.slotsUsed;
  }

  /** Newest event time seen, in ms since the epoch; -Infinity before any. */
  get newestEventMs(): number {
    return this.#newestEventMs;
  }

  /** The whole state as plain data (JSON-safe). */
  snapshot(): TrackerSnapshot {
    const c = this.#tasks.columns();
    const queue: number[] = [];
    const times: number[] = [];
    for (const [key, at] of this.#stopped.entries(this.#isLive)) {
      queue.push(c.index[this.#tasks.slot(key) as number] as number);
      times.push(at);
    }
    return {
      newestEventMs: Number.isFinite(this.#newestEventMs) ? this.#newestEventMs : null,
      keys: c.keys,
      versions: toBase64(c.versions),
      statuses: toBase64(c.statuses),
      done: toBase64(c.done),
      stoppedAt: toBase64(c.stoppedAt),
      check: toBase64(c.check),
      extraVersions: c.extraVersions,
      extraStatuses: c.extraStatuses,
      stoppedQueue: queue,
      stoppedQueueTimes: toBase64(Float64Array.from(times)),
      exited: Object.fromEntries(this.#exited),
      current: this.#current.snapshot(rowsOf(this.#tasks.entries(), c.index)),
      ...this.#heldSnapshot(c.index),
    };
  }

  /** The workloads held, and per task row the one it holds (index + 1, 0 for none). */
  #heldSnapshot(index: Int32Array): { heldWorkloads: string[][]; holders: string } {
    const holds = this.#options.holds;
    const holders = new Int32Array(this.#tasks.size);
    const workloads: string[][] = [];
    const seen = new Map<object, number>();
    this.#held.forEach((held, slot) => {
      if (held === undefined) return;
      const row = index[slot] as number;
      if (row < 0) return;
      let i = seen.get(held);
      if (i === undefined) {
        i = workloads.length;
        seen.set(held, i);
        workloads.push([...holds.values(held)]);
      }
      holders[row] = i + 1;
    });
    return { heldWorkloads: workloads, holders: toBase64(holders) };
  }

  /**
   * Checks a snapshot and returns a function that replaces this tracker's state
   * with it. Throws, changing nothing, when the snapshot is malformed.
   */
  prepareRestore(data: unknown): () => void {
    const snapshot = readSnapshot(data);
    const table = new TaskTable();
    const stored = new Map<string, string>();
    for (const task of snapshot.tasks) stored.set(task[0], table.restore(task));
    const stopped = snapshot.stopped.map(([key, at]): [string, number] => [
      stored.get(key) ?? key,
      at,
    ]);
    const exited = readExited((data as { exited?: unknown }).exited, stored);
    const restoreCurrent = this.#current.prepareRestore(
      (data as { current?: unknown }).current,
      (row) => {
        const key = snapshot.tasks[row]?.[0];
        const owned = key === undefined ? undefined : stored.get(key);
        return owned === undefined ? undefined : table.slot(owned);
      },
    );
    const holds = this.#options.holds;
    const held = readHeld(data, snapshot.tasks.length, holds.width);
    return () => {
      restoreCurrent();
      for (const h of this.#held) if (h !== undefined) holds.ended(h);
      this.#held = [];
      held.rows.forEach((w, row) => {
        if (w === 0) return;
        const key = snapshot.tasks[row]?.[0] as string;
        const slot = table.slot(stored.get(key) ?? key);
        if (slot === undefined) return;
        // One hold per task, as live: each running task keeps its workload.
        this.#held[slot] = holds.restore(held.workloads[w - 1] as string[]);
      });
      this.#exited = exited;
      this.#tasks = table;
      this.#stopped.reset(stopped);
      this.#newestEventMs = snapshot.newestEventMs ?? Number.NEGATIVE_INFINITY;
    };
  }

  apply(event: EcsTaskEvent, sink: TaskFactSink): TrackResult {
    if (event.timeMs > this.#newestEventMs) this.#newestEventMs = event.timeMs;
    const tasks = this.#tasks;
    const arn = event.taskArn;
    const id = idKey(arn);
    let key = id?.key ?? wholeKey(arn);
    let check = id?.check ?? 0;
    let slot = tasks.slot(key);
    if (slot !== undefined && tasks.check(slot) !== check) {
      key = wholeKey(arn);
      check = 0;
      slot = tasks.slot(key);
    }
    if (slot === undefined) {
      ({ key, slot } = tasks.add(key, check));
      if (tasks.size > this.#options.maxTrackedTasks) this.#evictOne(key);
    }
    if (!tasks.addVersion(slot, event.version)) {
      this.#expire();
      return 'duplicate';
    }
    const labels = event.labels;
    sink.workload(labels);
    if (event.lastStatus !== 'STOPPED' && !tasks.isDone(slot, DONE_STOPPED)) {
      if (this.#held[slot] === undefined) this.#held[slot] = this.#options.holds.running(labels);
    }
    if (event.exits.length > 0) this.#countExits(key, event, sink);
    const status = boundLabelValue(event.lastStatus);
    if (tasks.addStatus(slot, status)) sink.transition(labels, status);
    this.#current.update(
      slot,
      event.version,
      status,
      labels,
      createdMs(event),
      tasks.hasStatus(slot, 'STOPPED') || tasks.hasStatus(slot, 'DELETED'),
    );
    if (!tasks.isDone(slot, DONE_PULL)) {
      const pull = observable(millis(event[IMAGE_PULL.fields[0]], event[IMAGE_PULL.fields[1]]));
      if (!Number.isNaN(pull)) {
        tasks.markDone(slot, DONE_PULL);
        sink.imagePull(labels, pull, event);
      }
    }
    if (!tasks.isDone(slot, DONE_STARTUP)) {
      const startup = observable(millis(event[STARTUP.fields[0]], event[STARTUP.fields[1]]));
      if (!Number.isNaN(startup)) {
        tasks.markDone(slot, DONE_STARTUP);
        sink.startup(labels, startup, event);
      }
    }
    if (event.lastStatus === 'STOPPED') {
      const stopCode = event.stopCode === undefined ? 'none' : boundLabelValue(event.stopCode);
      if (!tasks.isDone(slot, DONE_STOPPED)) {
        tasks.markDone(slot, DONE_STOPPED);
        this.#unhold(slot);
        sink.stopped(
          labels,
          stopCode,
          classifyStopReason(event.stoppedReason, event.containerReasons),
          event,
        );
        // Without a usable time of its own or of any event before, the stop
        // has no place on the retention clock: only the cap can drop the task.
        const atMs = Number.isFinite(event.timeMs) ? event.timeMs : this.#newestEventMs;
        if (Number.isFinite(atMs)) {
          tasks.setStoppedAt(slot, atMs);
          this.#stopped.push(key, atMs);
        }
      }
      if (!tasks.isDone(slot, DONE_RUN)) {
        const run = observable(
          millis(event.startedAt, event.executionStoppedAt ?? event.stoppedAt),
        );
        if (!Number.isNaN(run)) {
          tasks.markDone(slot, DONE_RUN);
          sink.run(labels, stopCode, run, event);
        }
      }
    }
    this.#expire();
    return 'processed';
  }

  /** Counts each container's exit once per task: at the first processed event that has it. */
  #countExits(key: string, event: EcsTaskEvent, sink: TaskFactSink): void {
    let counted = this.#exited.get(key);
    for (const [rawName, exitCode] of event.exits) {
      const name = boundLabelValue(rawName);
      if (counted?.includes(name)) continue;
      if (counted === undefined) {
        counted = [];
        this.#exited.set(key, counted);
      }
      counted.push(name);
      sink.exit(event.labels, name, exitCode);
    }
  }

  /** Forgets STOPPED tasks whose retention, in event time, has passed. */
  #expire(): void {
    const horizon = this.#newestEventMs - this.#options.stoppedRetentionMs;
    for (;;) {
      const key = this.#stopped.shift(this.#isLive, (at) => at < horizon);
      if (key === undefined) return;
      this.#forget(key);
      this.#options.forgotten('retention');
    }
  }

  /** Evicts one task other than `keep`: the oldest stopped one, else the oldest tracked. */
  #evictOne(keep: string): void {
    const key =
      this.#stopped.shift(
        (k, at) => k !== keep && this.#isLive(k, at),
        () => true,
      ) ?? this.#tasks.oldest(keep);
    if (key !== undefined) {
      this.#forget(key);
      this.#options.forgotten('capacity');
    }
  }

  /** Drops a task: its slot leaves the current view and gives back its hold before the table reuses it. */
  #forget(key: string): void {
    const slot = this.#tasks.slot(key);
    if (slot !== undefined) {
      this.#current.forget(slot);
      this.#unhold(slot);
    }
    this.#tasks.delete(key);
    this.#exited.delete(key);
  }

  /** The task no longer keeps its workload. */
  #unhold(slot: number): void {
    const held = this.#held[slot];
    if (held === undefined) return;
    this.#held[slot] = undefined;
    this.#options.holds.ended(held);
  }
}
