/**
 * The tracker's state as plain data, and the check of such data read back
 * from disk: anything not as saved is refused whole.
 */
import type { CurrentSnapshot } from './current-tasks.js';
import type { TaskTuple } from './slot-table.js';

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
  /** By task key: the containers whose exit was counted (absent in states saved before). */
  readonly exited?: Readonly<Record<string, readonly string[]>>;
  /** The current-state view (absent in states saved before it). */
  readonly current?: CurrentSnapshot;
  /** The workloads tasks not yet stopped keep (absent in states saved before). */
  readonly heldWorkloads?: readonly (readonly string[])[];
  /** base64 of Int32Array: per task, the index + 1 in `heldWorkloads` of the workload it keeps, 0 for none. */
  readonly holders?: string;
}

export const toBase64 = (array: ArrayBufferView): string =>
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
export function readSnapshot(data: unknown): {
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
