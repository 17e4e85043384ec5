/**
 * Per-task state in slots: one Map from key to slot, the fields in typed
 * arrays. About a third of the memory of a Map of objects, which matters at
 * hundreds of thousands of tasks.
 */

import { grown } from './grown.js';
import { ownedCopy } from './task-key.js';
import { KNOWN_TASK_STATUSES } from './task-vocabulary.js';

/** Each documented status gets one bit. */
const STATUS_BIT = new Map<string, number>(KNOWN_TASK_STATUSES.map((s, i) => [s, 1 << i]));

/** Versions 0..31 live in a 32-bit mask; anything else in a small side list. */
const MASK_VERSIONS = 32;

/** Most unusual versions or statuses remembered per task; past it the oldest is dropped. */
const MAX_EXTRAS = 64;

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

/** Marks `value` seen in a slot's list of values past its bit mask; false when it already was. */
function addExtra<T>(extras: Map<number, T[]>, slot: number, value: T): boolean {
  const extra = extras.get(slot);
  if (extra === undefined) {
    extras.set(slot, [value]);
    return true;
  }
  if (extra.includes(value)) return false;
  if (extra.length >= MAX_EXTRAS) extra.shift();
  extra.push(value);
  return true;
}

export class TaskTable {
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

  /** Slots ever handed out: freed slots are reused before a new one is taken. */
  get slotsUsed(): number {
    return this.#next;
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

  /** Every task as (key, slot), in Map order. */
  entries(): IterableIterator<[string, number]> {
    return this.#slots.entries();
  }

  /** The oldest key added (Map order), other than `keep`. */
  oldest(keep: string): string | undefined {
    for (const key of this.#slots.keys()) if (key !== keep) return key;
    return undefined;
  }

  #grow(): void {
    const size = this.#versions.length * 2;
    this.#versions = grown(this.#versions, size);
    this.#statuses = grown(this.#statuses, size);
    this.#done = grown(this.#done, size);
    this.#stoppedAt = grown(this.#stoppedAt, size, Number.NaN);
    this.#check = grown(this.#check, size);
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
    return addExtra(this.#extraVersions, slot, version);
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
    return addExtra(this.#extraStatuses, slot, status);
  }

  /** Whether `status` (a documented one) was seen. */
  hasStatus(slot: number, status: string): boolean {
    const bit = STATUS_BIT.get(status);
    return bit !== undefined && ((this.#statuses[slot] as number) & bit) !== 0;
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
