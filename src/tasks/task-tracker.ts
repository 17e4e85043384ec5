/**
 * Per-task state that makes the counts exact whatever the delivery order:
 * which (task, version) pairs were processed, which statuses were counted,
 * which durations were observed. Pure and bounded: no I/O, no clock (time is
 * the newest event `time` seen), a cap on tracked tasks and a retention after
 * STOPPED. It never touches metrics itself; it tells a sink what to record.
 */
import { boundLabelValue } from '../events/labels.js';
import { classifyStopReason } from '../events/stop-reason.js';
import type { EcsTaskEvent, TaskLabels } from '../events/task-event.js';

/** What a processed event adds to the task metrics. Called at most once per task and fact. */
export interface TaskFactSink {
  transition(labels: TaskLabels, lastStatus: string): void;
  stopped(labels: TaskLabels, stopCode: string, reason: string): void;
  /** Durations are whole milliseconds: ECS timestamps have millisecond precision. */
  imagePull(labels: TaskLabels, ms: number): void;
  startup(labels: TaskLabels, ms: number): void;
  run(labels: TaskLabels, stopCode: string, ms: number): void;
  /** A tracked task was forgotten: `capacity` when the cap forced it, `retention` when it had been STOPPED long enough. */
  forgotten(cause: 'capacity' | 'retention'): void;
}

export type TrackResult = 'processed' | 'duplicate';

export interface TaskTrackerOptions {
  /** Most tasks tracked at once; past it the oldest (stopped ones first) are evicted. */
  readonly maxTrackedTasks: number;
  /** How long, in event time, a STOPPED task is kept to catch late duplicates. */
  readonly stoppedRetentionMs: number;
}

export const DEFAULT_MAX_TRACKED_TASKS = 200_000;
export const DEFAULT_STOPPED_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Statuses ECS documents for a task, in lifecycle order; each gets one bit. */
export const KNOWN_TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
  'DELETED',
] as const;

const STATUS_BIT = new Map<string, number>(KNOWN_TASK_STATUSES.map((s, i) => [s, 1 << i]));

const DONE_PULL = 1;
const DONE_STARTUP = 2;
const DONE_RUN = 4;
const DONE_STOPPED = 8;

/** Versions 0..31 live in a 32-bit mask; anything else in a small side list. */
const MASK_VERSIONS = 32;

const TASK_ID = /^[0-9a-f]{32}$/;
const TASK_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The key a task is tracked under. ECS task ids (the ARN's last segment, 32
 * hex digits, or a dashed UUID in the old ARN format) are unique, so they are
 * packed into 16 one-byte characters; any other ARN is kept whole, behind a
 * character that a packed key can never contain.
 */
export function taskKey(taskArn: string): string {
  const id = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  if (id.length === 32 && TASK_ID.test(id)) return Buffer.from(id, 'hex').toString('latin1');
  if (id.length === 36 && TASK_UUID.test(id)) {
    return Buffer.from(id.replaceAll('-', ''), 'hex').toString('latin1');
  }
  return `\u0100${taskArn}`;
}

/**
 * Per-task state in slots: one Map from key to slot, the fields in typed
 * arrays. About a third of the memory of a Map of objects, which matters at
 * hundreds of thousands of tasks.
 */
class TaskTable {
  readonly #slots = new Map<string, number>();
  #versions = new Uint32Array(1024);
  #statuses = new Uint16Array(1024);
  #done = new Uint8Array(1024);
  #stoppedAt = new Float64Array(1024).fill(Number.NaN);
  readonly #extraVersions = new Map<number, number[]>();
  readonly #extraStatuses = new Map<number, string[]>();
  readonly #free: number[] = [];
  #next = 0;

  get size(): number {
    return this.#slots.size;
  }

  slot(key: string): number | undefined {
    return this.#slots.get(key);
  }

  add(key: string): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot >= this.#versions.length) this.#grow();
    }
    this.#slots.set(key, slot);
    return slot;
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#versions[slot] = 0;
    this.#statuses[slot] = 0;
    this.#done[slot] = 0;
    this.#stoppedAt[slot] = Number.NaN;
    this.#extraVersions.delete(slot);
    this.#extraStatuses.delete(slot);
    this.#free.push(slot);
  }

  /** The oldest key added (Map order), other than `keep`. */
  oldest(keep: string): string | undefined {
    for (const key of this.#slots.keys()) if (key !== keep) return key;
    return undefined;
  }

  #grow(): void {
    const size = this.#versions.length * 2;
    const versions = new Uint32Array(size);
    versions.set(this.#versions);
    this.#versions = versions;
    const statuses = new Uint16Array(size);
    statuses.set(this.#statuses);
    this.#statuses = statuses;
    const done = new Uint8Array(size);
    done.set(this.#done);
    this.#done = done;
    const stoppedAt = new Float64Array(size).fill(Number.NaN);
    stoppedAt.set(this.#stoppedAt);
    this.#stoppedAt = stoppedAt;
  }

  /** Marks `version` seen; false when it already was. */
  addVersion(slot: number, version: number): boolean {
    if (version >= 0 && version < MASK_VERSIONS) {
      const bit = (1 << version) >>> 0;
      const mask = this.#versions[slot] as number;
      if ((mask & bit) !== 0) return false;
      this.#versions[slot] = (mask | bit) >>> 0;
      return true;
    }
    const extra = this.#extraVersions.get(slot);
    if (extra === undefined) {
      this.#extraVersions.set(slot, [version]);
      return true;
    }
    if (extra.includes(version)) return false;
    extra.push(version);
    return true;
  }

  /** Marks `status` seen; false when it already was. */
  addStatus(slot: number, status: string): boolean {
    const bit = STATUS_BIT.get(status);
    if (bit !== undefined) {
      const mask = this.#statuses[slot] as number;
      if ((mask & bit) !== 0) return false;
      this.#statuses[slot] = mask | bit;
      return true;
    }
    const extra = this.#extraStatuses.get(slot);
    if (extra === undefined) {
      this.#extraStatuses.set(slot, [status]);
      return true;
    }
    if (extra.includes(status)) return false;
    extra.push(status);
    return true;
  }

  isDone(slot: number, flag: number): boolean {
    return ((this.#done[slot] as number) & flag) !== 0;
  }

  markDone(slot: number, flag: number): void {
    this.#done[slot] = (this.#done[slot] as number) | flag;
  }

  stoppedAt(slot: number): number {
    return this.#stoppedAt[slot] as number;
  }

  setStoppedAt(slot: number, ms: number): void {
    this.#stoppedAt[slot] = ms;
  }
}

function millis(fromIso: string | undefined, toIso: string | undefined): number {
  if (fromIso === undefined || toIso === undefined) return Number.NaN;
  return Date.parse(toIso) - Date.parse(fromIso);
}

function observable(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

export class TaskTracker {
  readonly #tasks = new TaskTable();
  readonly #options: TaskTrackerOptions;
  /** STOPPED tasks in the order they stopped (keys and event times), for retention and eviction. */
  #stoppedKeys: string[] = [];
  #stoppedTimes: number[] = [];
  #stoppedHead = 0;
  #newestEventMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<TaskTrackerOptions> = {}) {
    this.#options = {
      maxTrackedTasks: options.maxTrackedTasks ?? DEFAULT_MAX_TRACKED_TASKS,
      stoppedRetentionMs: options.stoppedRetentionMs ?? DEFAULT_STOPPED_RETENTION_MS,
    };
    if (!(this.#options.maxTrackedTasks >= 1)) throw new RangeError('maxTrackedTasks must be >= 1');
    if (!(this.#options.stoppedRetentionMs >= 0)) {
      throw new RangeError('stoppedRetentionMs must be >= 0');
    }
  }

  /** Number of tasks tracked now. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Newest event time seen, in ms since the epoch; -Infinity before any. */
  get newestEventMs(): number {
    return this.#newestEventMs;
  }

  apply(event: EcsTaskEvent, sink: TaskFactSink): TrackResult {
    if (event.timeMs > this.#newestEventMs) this.#newestEventMs = event.timeMs;
    const tasks = this.#tasks;
    const key = taskKey(event.taskArn);
    let slot = tasks.slot(key);
    if (slot === undefined) {
      slot = tasks.add(key);
      if (tasks.size > this.#options.maxTrackedTasks) this.#evictOne(key, sink);
    }
    if (!tasks.addVersion(slot, event.version)) {
      this.#expire(sink);
      return 'duplicate';
    }
    const labels = event.labels;
    if (tasks.addStatus(slot, event.lastStatus)) {
      sink.transition(labels, boundLabelValue(event.lastStatus));
    }
    if (!tasks.isDone(slot, DONE_PULL)) {
      const pull = millis(event.pullStartedAt, event.pullStoppedAt);
      if (observable(pull)) {
        tasks.markDone(slot, DONE_PULL);
        sink.imagePull(labels, pull);
      }
    }
    if (!tasks.isDone(slot, DONE_STARTUP)) {
      const startup = millis(event.createdAt, event.startedAt);
      if (observable(startup)) {
        tasks.markDone(slot, DONE_STARTUP);
        sink.startup(labels, startup);
      }
    }
    if (event.lastStatus === 'STOPPED') {
      const stopCode = event.stopCode === undefined ? 'none' : boundLabelValue(event.stopCode);
      if (!tasks.isDone(slot, DONE_STOPPED)) {
        tasks.markDone(slot, DONE_STOPPED);
        sink.stopped(
          labels,
          stopCode,
          classifyStopReason(event.stoppedReason, event.containerReasons),
        );
        const atMs = Number.isNaN(event.timeMs) ? this.#newestEventMs : event.timeMs;
        tasks.setStoppedAt(slot, atMs);
        this.#stoppedKeys.push(key);
        this.#stoppedTimes.push(atMs);
      }
      if (!tasks.isDone(slot, DONE_RUN)) {
        const run = millis(event.startedAt, event.executionStoppedAt ?? event.stoppedAt);
        if (observable(run)) {
          tasks.markDone(slot, DONE_RUN);
          sink.run(labels, stopCode, run);
        }
      }
    }
    this.#expire(sink);
    return 'processed';
  }

  /** True when the queue entry at `index` still describes a tracked, stopped task. */
  #stillStopped(index: number): string | undefined {
    const key = this.#stoppedKeys[index] as string;
    const slot = this.#tasks.slot(key);
    return slot !== undefined && this.#tasks.stoppedAt(slot) === this.#stoppedTimes[index]
      ? key
      : undefined;
  }

  /** Forgets STOPPED tasks whose retention, in event time, has passed. */
  #expire(sink: TaskFactSink): void {
    const horizon = this.#newestEventMs - this.#options.stoppedRetentionMs;
    while (this.#stoppedHead < this.#stoppedKeys.length) {
      if (!((this.#stoppedTimes[this.#stoppedHead] as number) < horizon)) break;
      const key = this.#stillStopped(this.#stoppedHead++);
      if (key !== undefined) {
        this.#tasks.delete(key);
        sink.forgotten('retention');
      }
    }
    this.#compactQueue();
  }

  /** Evicts one task other than `keep`: the oldest stopped one, else the oldest tracked. */
  #evictOne(keep: string, sink: TaskFactSink): void {
    while (this.#stoppedHead < this.#stoppedKeys.length) {
      const key = this.#stillStopped(this.#stoppedHead++);
      if (key !== undefined && key !== keep) {
        this.#tasks.delete(key);
        sink.forgotten('capacity');
        this.#compactQueue();
        return;
      }
    }
    const oldest = this.#tasks.oldest(keep);
    if (oldest !== undefined) {
      this.#tasks.delete(oldest);
      sink.forgotten('capacity');
    }
  }

  #compactQueue(): void {
    if (this.#stoppedHead > 1024 && this.#stoppedHead * 2 > this.#stoppedKeys.length) {
      this.#stoppedKeys = this.#stoppedKeys.slice(this.#stoppedHead);
      this.#stoppedTimes = this.#stoppedTimes.slice(this.#stoppedHead);
      this.#stoppedHead = 0;
    }
  }
}
