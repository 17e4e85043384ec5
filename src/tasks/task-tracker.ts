/**
 * Per-task state that makes the counts exact whatever the delivery order:
 * which (task, version) pairs were processed, which statuses were counted,
 * which durations were observed. Pure and bounded: no I/O, no clock (time is
 * the newest event `time` seen), a cap on tracked tasks and a retention after
 * STOPPED. It never touches metrics itself; it tells a sink what to record.
 */
import { boundLabelValue } from '../events/labels.js';
import { parseTime } from '../events/parse-time.js';
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

/** Most unusual versions or statuses remembered per task; past it the oldest is dropped. */
const MAX_EXTRAS = 64;

/** Longest ARN kept as it is in a key; longer ones (never real) are cut and hashed. */
const MAX_PLAIN_ARN = 256;

/** A 32-bit hash of `text[0, end)` (one lane of cyrb53): cheap enough for every record. */
function hash32(text: string, end: number): number {
  let h = 0xdeadbeef;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 2654435761);
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  return (h ^ Math.imul(h ^ (h >>> 13), 3266489909)) >>> 0;
}

/**
 * The key of a task whose ARN does not end in a task id, or that shares its
 * id with another ARN: the whole ARN behind a `/` (an id never contains one),
 * cut and hashed when it is longer than an ARN ever is.
 */
function wholeKey(taskArn: string): string {
  return taskArn.length <= MAX_PLAIN_ARN
    ? `/${taskArn}`
    : `/${taskArn.slice(0, MAX_PLAIN_ARN)}#${hash32(taskArn, taskArn.length).toString(36)}`;
}

/** A copy of `key` that holds no reference to the longer string it was sliced from. */
function ownedCopy(key: string): string {
  // UTF-16 round trip: exact for any string, lone surrogates included.
  return Buffer.from(key, 'utf16le').toString('utf16le');
}

/** One task in a snapshot: key, version mask, status mask, done flags, stop time, extras. */
export type TaskTuple = [
  key: string,
  versions: number,
  statuses: number,
  done: number,
  stoppedAtMs: number | null,
  extraVersions: number[] | null,
  extraStatuses: string[] | null,
  /** Hash of the ARN before the id, for a key that is a task id; 0 otherwise. */
  check: number,
];

/**
 * The tracker's whole state as plain data, for saving and restoring. Column
 * oriented, the numeric columns as base64 of their typed arrays: capturing
 * and writing 100,000 tasks this way costs a fraction of one array per task.
 */
export interface TrackerSnapshot {
  readonly newestEventMs: number | null;
  /** Task keys in tracking order (oldest first), which eviction follows. */
  readonly keys: readonly string[];
  /** base64 of Uint32Array: version masks, in the order of `keys`. */
  readonly versions: string;
  /** base64 of Uint16Array: status masks. */
  readonly statuses: string;
  /** base64 of Uint8Array: done flags. */
  readonly done: string;
  /** base64 of Float64Array: stop times in event time, NaN while not stopped. */
  readonly stoppedAt: string;
  /** base64 of Uint32Array: the ARN hash checks. */
  readonly check: string;
  /** [index in `keys`, versions beyond the mask]. */
  readonly extraVersions: readonly [number, number[]][];
  /** [index in `keys`, unusual statuses]. */
  readonly extraStatuses: readonly [number, string[]][];
  /** The queue of stopped tasks pending retention, oldest first: indexes in `keys`. */
  readonly stoppedQueue: readonly number[];
  /** base64 of Float64Array: the stop time of each queue entry. */
  readonly stoppedQueueTimes: string;
}

const toBase64 = (array: ArrayBufferView): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** Decodes a base64 column into a fresh (aligned) copy, checking its length. */
function column<T>(
  data: unknown,
  length: number,
  bytes: number,
  make: (buffer: ArrayBuffer) => T,
  what: string,
): T {
  if (typeof data !== 'string') throw new Error(`tracker ${what} is not a string`);
  const decoded = Buffer.from(data, 'base64');
  if (decoded.length !== length * bytes) throw new Error(`tracker ${what} has the wrong length`);
  return make(Uint8Array.from(decoded).buffer);
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Checks a snapshot read from disk and turns it into tasks and queue entries; throws on anything not as saved. */
function readSnapshot(data: unknown): {
  tasks: TaskTuple[];
  stopped: [string, number][];
  newestEventMs: number | null;
} {
  const snapshot = data as TrackerSnapshot;
  if (typeof data !== 'object' || data === null) throw new Error('tracker state is not an object');
  if (snapshot.newestEventMs !== null && !isTime(snapshot.newestEventMs)) {
    throw new Error('tracker newestEventMs is not a time');
  }
  const keys = snapshot.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new Error('tracker keys is not an array of strings');
  }
  if (new Set(keys).size !== keys.length) throw new Error('tracker keys repeat');
  const n = keys.length;
  const versions = column(snapshot.versions, n, 4, (b) => new Uint32Array(b), 'versions');
  const statuses = column(snapshot.statuses, n, 2, (b) => new Uint16Array(b), 'statuses');
  const done = column(snapshot.done, n, 1, (b) => new Uint8Array(b), 'done');
  const stoppedAt = column(snapshot.stoppedAt, n, 8, (b) => new Float64Array(b), 'stoppedAt');
  const check = column(snapshot.check, n, 4, (b) => new Uint32Array(b), 'check');
  const extras = <T>(list: unknown, ok: (v: unknown) => v is T, what: string) => {
    const out = new Map<number, T[]>();
    if (!Array.isArray(list)) throw new Error(`tracker ${what} is not an array`);
    for (const entry of list) {
      if (
        !Array.isArray(entry) ||
        !isCount(entry[0], n - 1) ||
        out.has(entry[0]) ||
        !Array.isArray(entry[1]) ||
        !entry[1].every(ok)
      ) {
        throw new Error(`tracker ${what} entry is malformed`);
      }
      out.set(entry[0], [...entry[1]]);
    }
    return out;
  };
  const extraVersions = extras(
    snapshot.extraVersions,
    (v): v is number => Number.isSafeInteger(v),
    'extraVersions',
  );
  const extraStatuses = extras(
    snapshot.extraStatuses,
    (v): v is string => typeof v === 'string',
    'extraStatuses',
  );
  const tasks: TaskTuple[] = keys.map((key, i) => {
    const at = stoppedAt[i] as number;
    if ((done[i] as number) > 15 || (!Number.isNaN(at) && !Number.isFinite(at))) {
      throw new Error(`tracker task ${i} is malformed`);
    }
    return [
      key,
      versions[i] as number,
      statuses[i] as number,
      done[i] as number,
      Number.isNaN(at) ? null : at,
      extraVersions.get(i) ?? null,
      extraStatuses.get(i) ?? null,
      check[i] as number,
    ];
  });
  const queue = snapshot.stoppedQueue;
  if (!Array.isArray(queue) || !queue.every((i) => isCount(i, n - 1))) {
    throw new Error('tracker stoppedQueue is malformed');
  }
  const times = column(
    snapshot.stoppedQueueTimes,
    queue.length,
    8,
    (b) => new Float64Array(b),
    'stoppedQueueTimes',
  );
  const stopped = queue.map((i, j): [string, number] => {
    const at = times[j] as number;
    if (!Number.isFinite(at)) throw new Error('tracker stopped queue time is not a time');
    return [keys[i] as string, at];
  });
  return { tasks, stopped, newestEventMs: snapshot.newestEventMs };
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
  #check = new Uint32Array(1024);
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

  /** Adds `key` and returns the key as stored (an owned copy). */
  add(key: string, check: number): { key: string; slot: number } {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot >= this.#versions.length) this.#grow();
    }
    const owned = ownedCopy(key);
    this.#slots.set(owned, slot);
    this.#check[slot] = check;
    return { key: owned, slot };
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#versions[slot] = 0;
    this.#statuses[slot] = 0;
    this.#done[slot] = 0;
    this.#stoppedAt[slot] = Number.NaN;
    this.#check[slot] = 0;
    this.#extraVersions.delete(slot);
    this.#extraStatuses.delete(slot);
    this.#free.push(slot);
  }

  /** Every task in Map order, as columns; `index` maps a slot to its row. */
  columns() {
    const n = this.#slots.size;
    const keys = new Array<string>(n);
    const versions = new Uint32Array(n);
    const statuses = new Uint16Array(n);
    const done = new Uint8Array(n);
    const stoppedAt = new Float64Array(n);
    const check = new Uint32Array(n);
    const index = new Int32Array(this.#versions.length).fill(-1);
    const extraVersions: [number, number[]][] = [];
    const extraStatuses: [number, string[]][] = [];
    let i = 0;
    for (const [key, slot] of this.#slots) {
      keys[i] = key;
      versions[i] = this.#versions[slot] as number;
      statuses[i] = this.#statuses[slot] as number;
      done[i] = this.#done[slot] as number;
      stoppedAt[i] = this.#stoppedAt[slot] as number;
      check[i] = this.#check[slot] as number;
      index[slot] = i;
      const ev = this.#extraVersions.get(slot);
      if (ev !== undefined) extraVersions.push([i, [...ev]]);
      const es = this.#extraStatuses.get(slot);
      if (es !== undefined) extraStatuses.push([i, [...es]]);
      i++;
    }
    return {
      keys,
      versions,
      statuses,
      done,
      stoppedAt,
      check,
      index,
      extraVersions,
      extraStatuses,
    };
  }

  /** Puts a task back from its snapshot tuple; returns the key as stored. */
  restore([
    key,
    versions,
    statuses,
    done,
    stoppedAt,
    extraVersions,
    extraStatuses,
    check,
  ]: TaskTuple): string {
    const { key: owned, slot } = this.add(key, check);
    this.#versions[slot] = versions;
    this.#statuses[slot] = statuses;
    this.#done[slot] = done;
    this.#stoppedAt[slot] = stoppedAt ?? Number.NaN;
    if (extraVersions !== null) this.#extraVersions.set(slot, [...extraVersions]);
    if (extraStatuses !== null) this.#extraStatuses.set(slot, [...extraStatuses]);
    return owned;
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
    const check = new Uint32Array(size);
    check.set(this.#check);
    this.#check = check;
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
    if (extra.length >= MAX_EXTRAS) extra.shift();
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
    if (extra.length >= MAX_EXTRAS) extra.shift();
    extra.push(status);
    return true;
  }

  check(slot: number): number {
    return this.#check[slot] as number;
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
  return parseTime(toIso) - parseTime(fromIso);
}

/**
 * Longest duration observed: ten years. Longer ones only come from broken or
 * forged timestamps, and keeping them out keeps every histogram sum an exact
 * integer (a sum stays exact below 2^53 ms, about 285,000 years in all).
 */
export const MAX_DURATION_MS = 10 * 366 * 24 * 3_600_000;

function observable(value: number): boolean {
  return value >= 0 && value <= MAX_DURATION_MS;
}

export class TaskTracker {
  #tasks = new TaskTable();
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

  /** The whole state as plain data (JSON-safe). */
  snapshot(): TrackerSnapshot {
    const c = this.#tasks.columns();
    const queue: number[] = [];
    const times: number[] = [];
    for (let i = this.#stoppedHead; i < this.#stoppedKeys.length; i++) {
      const key = this.#stillStopped(i);
      const slot = key === undefined ? undefined : this.#tasks.slot(key);
      if (slot !== undefined) {
        queue.push(c.index[slot] as number);
        times.push(this.#stoppedTimes[i] as number);
      }
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
    };
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
    const stoppedKeys = snapshot.stopped.map(([key]) => stored.get(key) ?? key);
    return () => {
      this.#tasks = table;
      this.#stoppedKeys = stoppedKeys;
      this.#stoppedTimes = snapshot.stopped.map(([, at]) => at);
      this.#stoppedHead = 0;
      this.#newestEventMs = snapshot.newestEventMs ?? Number.NEGATIVE_INFINITY;
    };
  }

  apply(event: EcsTaskEvent, sink: TaskFactSink): TrackResult {
    if (event.timeMs > this.#newestEventMs) this.#newestEventMs = event.timeMs;
    const tasks = this.#tasks;
    // A task is keyed by the id its ARN ends in (32 hex digits, or a dashed
    // UUID in the old format), checked against a hash of the rest of the ARN:
    // half the memory of the whole ARN, and another ARN with the same id is
    // still another task (it is then keyed by its whole ARN).
    const arn = event.taskArn;
    const slash = arn.lastIndexOf('/');
    const idLength = arn.length - slash - 1;
    let key: string;
    let check = 0;
    if (slash !== -1 && (idLength === 32 || idLength === 36)) {
      key = arn.slice(slash + 1);
      check = hash32(arn, slash);
    } else {
      key = wholeKey(arn);
    }
    let slot = tasks.slot(key);
    if (slot !== undefined && tasks.check(slot) !== check) {
      key = wholeKey(arn);
      check = 0;
      slot = tasks.slot(key);
    }
    if (slot === undefined) {
      ({ key, slot } = tasks.add(key, check));
      if (tasks.size > this.#options.maxTrackedTasks) this.#evictOne(key, sink);
    }
    if (!tasks.addVersion(slot, event.version)) {
      this.#expire(sink);
      return 'duplicate';
    }
    const labels = event.labels;
    const status = boundLabelValue(event.lastStatus);
    if (tasks.addStatus(slot, status)) sink.transition(labels, status);
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
        // Without a usable time of its own or of any event before, the stop
        // has no place on the retention clock: only the cap can drop the task.
        const atMs = Number.isFinite(event.timeMs) ? event.timeMs : this.#newestEventMs;
        if (Number.isFinite(atMs)) {
          tasks.setStoppedAt(slot, atMs);
          this.#stoppedKeys.push(key);
          this.#stoppedTimes.push(atMs);
        }
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
