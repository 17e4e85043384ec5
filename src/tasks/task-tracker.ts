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

/** Versions 0..30 live in a bitmask; anything else in a small array. */
const MASK_VERSIONS = 31;

class TaskState {
  versionMask = 0;
  extraVersions: number[] | undefined = undefined;
  statusMask = 0;
  extraStatuses: string[] | undefined = undefined;
  done = 0;
  /** Event time at which the task was first seen STOPPED; NaN while not stopped. */
  stoppedAtMs = Number.NaN;

  /** Marks `version` seen; false when it already was. */
  addVersion(version: number): boolean {
    if (version >= 0 && version < MASK_VERSIONS) {
      const bit = 1 << version;
      if (this.versionMask & bit) return false;
      this.versionMask |= bit;
      return true;
    }
    if (this.extraVersions === undefined) {
      this.extraVersions = [version];
      return true;
    }
    if (this.extraVersions.includes(version)) return false;
    this.extraVersions.push(version);
    return true;
  }

  /** Marks `status` seen; false when it already was. */
  addStatus(status: string): boolean {
    const bit = STATUS_BIT.get(status);
    if (bit !== undefined) {
      if (this.statusMask & bit) return false;
      this.statusMask |= bit;
      return true;
    }
    if (this.extraStatuses === undefined) {
      this.extraStatuses = [status];
      return true;
    }
    if (this.extraStatuses.includes(status)) return false;
    this.extraStatuses.push(status);
    return true;
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
  readonly #tasks = new Map<string, TaskState>();
  readonly #options: TaskTrackerOptions;
  /** STOPPED tasks in the order they stopped, for retention and for eviction preference. */
  #stoppedQueue: { taskArn: string; atMs: number }[] = [];
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
    let state = this.#tasks.get(event.taskArn);
    if (state === undefined) {
      state = new TaskState();
      this.#tasks.set(event.taskArn, state);
      if (this.#tasks.size > this.#options.maxTrackedTasks) this.#evictOne(state, sink);
    }
    if (!state.addVersion(event.version)) {
      this.#expire(sink);
      return 'duplicate';
    }
    const labels = event.labels;
    if (state.addStatus(event.lastStatus)) {
      sink.transition(labels, boundLabelValue(event.lastStatus));
    }
    if ((state.done & DONE_PULL) === 0) {
      const pull = millis(event.pullStartedAt, event.pullStoppedAt);
      if (observable(pull)) {
        state.done |= DONE_PULL;
        sink.imagePull(labels, pull);
      }
    }
    if ((state.done & DONE_STARTUP) === 0) {
      const startup = millis(event.createdAt, event.startedAt);
      if (observable(startup)) {
        state.done |= DONE_STARTUP;
        sink.startup(labels, startup);
      }
    }
    if (event.lastStatus === 'STOPPED') {
      const stopCode = event.stopCode === undefined ? 'none' : boundLabelValue(event.stopCode);
      if ((state.done & DONE_STOPPED) === 0) {
        state.done |= DONE_STOPPED;
        sink.stopped(
          labels,
          stopCode,
          classifyStopReason(event.stoppedReason, event.containerReasons),
        );
        state.stoppedAtMs = Number.isNaN(event.timeMs) ? this.#newestEventMs : event.timeMs;
        this.#stoppedQueue.push({ taskArn: event.taskArn, atMs: state.stoppedAtMs });
      }
      if ((state.done & DONE_RUN) === 0) {
        const run = millis(event.startedAt, event.executionStoppedAt ?? event.stoppedAt);
        if (observable(run)) {
          state.done |= DONE_RUN;
          sink.run(labels, stopCode, run);
        }
      }
    }
    this.#expire(sink);
    return 'processed';
  }

  /** Forgets STOPPED tasks whose retention, in event time, has passed. */
  #expire(sink: TaskFactSink): void {
    const horizon = this.#newestEventMs - this.#options.stoppedRetentionMs;
    const queue = this.#stoppedQueue;
    while (this.#stoppedHead < queue.length) {
      const head = queue[this.#stoppedHead] as { taskArn: string; atMs: number };
      if (!(head.atMs < horizon)) break;
      this.#stoppedHead++;
      const state = this.#tasks.get(head.taskArn);
      if (state !== undefined && state.stoppedAtMs === head.atMs) {
        this.#tasks.delete(head.taskArn);
        sink.forgotten('retention');
      }
    }
    this.#compactQueue();
  }

  /** Evicts one task other than `keep`: the oldest stopped one, else the oldest tracked. */
  #evictOne(keep: TaskState, sink: TaskFactSink): void {
    const queue = this.#stoppedQueue;
    while (this.#stoppedHead < queue.length) {
      const head = queue[this.#stoppedHead++] as { taskArn: string; atMs: number };
      const state = this.#tasks.get(head.taskArn);
      if (state !== undefined && state !== keep && state.stoppedAtMs === head.atMs) {
        this.#tasks.delete(head.taskArn);
        sink.forgotten('capacity');
        this.#compactQueue();
        return;
      }
    }
    for (const [taskArn, state] of this.#tasks) {
      if (state !== keep) {
        this.#tasks.delete(taskArn);
        sink.forgotten('capacity');
        return;
      }
    }
  }

  #compactQueue(): void {
    if (this.#stoppedHead > 1024 && this.#stoppedHead * 2 > this.#stoppedQueue.length) {
      this.#stoppedQueue = this.#stoppedQueue.slice(this.#stoppedHead);
      this.#stoppedHead = 0;
    }
  }
}
