/**
 * State in S3: each save is a new object `PREFIX/state-<sequence>-<random>.json`,
 * never overwritten, then a pointer naming it with its size and SHA-256. A
 * crash before the pointer moves leaves the old pointer and an orphan that
 * a later save removes; a load checks the named object against the pointer,
 * so a torn or foreign object never restores.
 *
 * The pointer is an object `PREFIX/current.json` (one writer) unless another
 * keeper is given: under a lease it lives in the lease item, where moving it
 * is fenced (src/leases/). Old state objects are removed after each save,
 * keeping a few before the current one for a look after an incident.
 *
 * Clean-up never lists the bucket: the shipped policy grants no
 * s3:ListBucket, and granting it would let the exporter (and anyone with its
 * role) read the names of everything under the bucket's other prefixes too
 * unless every policy gets an `s3:prefix` condition right. Instead the
 * pointer names the objects it keeps (`older`) and those to delete
 * (`garbage`); each save deletes by name what falls out, and what a failed
 * delete leaves is tried again at the next save. A failed delete is counted
 * (`cleanupFailures`, the state clean-up metric) and logged, never silent.
 * An object orphaned by a crash between writing it and moving the pointer is
 * known to no pointer: the bucket's lifecycle rule (deploy/cloudformation)
 * expires it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { explainAwsError } from '../base/aws-error.js';
import type { S3Location } from './s3-location.js';
import {
  checkPointer,
  MAX_TRACKED_KEYS,
  type PointerKeeper,
  type StatePointer,
} from './state-pointer.js';
import type { Loaded, SharedStateStore } from './state-store.js';

/** State objects kept before the current one. */
export const KEPT_PREVIOUS_STATES = 3;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function described(what: string, err: unknown): Error {
  return new Error(`${what}: ${explainAwsError(err, 'S3')}`, { cause: err });
}

/** The pointer as an object beside the states: for one writer, no fencing. */
export class S3PointerKeeper implements PointerKeeper {
  readonly description: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #key: string;
  #sequence = -1;

  constructor(client: S3Client, location: S3Location) {
    this.#client = client;
    this.#bucket = location.bucket;
    this.#key = `${location.prefix}current.json`;
    this.description = `s3://${this.#bucket}/${this.#key}`;
  }

  async read(): Promise<StatePointer | undefined> {
    let text: string;
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key }),
      );
      text = (await out.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw described(`cannot read the state pointer ${this.description}`, err);
    }
    const value: unknown = JSON.parse(text);
    if (value === null) return undefined;
    const pointer = checkPointer(value);
    this.#sequence = Math.max(this.#sequence, pointer.sequence);
    return pointer;
  }

  async write(pointer: StatePointer | undefined): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#key,
        Body: `${JSON.stringify(pointer ?? null)}\n`,
        ContentType: 'application/json',
      }),
    );
    if (pointer !== undefined) this.#sequence = Math.max(this.#sequence, pointer.sequence);
  }

  async nextSequence(): Promise<number> {
    if (this.#sequence < 0) await this.read();
    return this.#sequence + 1;
  }
}

export interface S3StateStoreOptions {
  readonly client: S3Client;
  readonly location: S3Location;
  /** Where the pointer lives; an object beside the states by default. */
  readonly pointer?: PointerKeeper;
  /** Clock for the set-aside key (tests). */
  readonly now?: () => number;
  /** Where failed clean-ups are logged. */
  readonly logger?: Logger;
}

export class S3StateStore implements SharedStateStore {
  readonly description: string;
  readonly sharedLocation: string;
  readonly #options: S3StateStoreOptions;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #pointer: PointerKeeper;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  /** Saves run one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The pointer as this store last read or wrote it, with `garbage` as still to delete. */
  #last: StatePointer | undefined;
  /** Objects written whose pointer never named them (the pointer write failed). */
  #orphans: string[] = [];
  /** Deletes of old state objects that failed, since start. */
  cleanupFailures = 0;

  constructor(options: S3StateStoreOptions) {
    const { client, location } = options;
    this.#options = options;
    this.sharedLocation = location.url;
    this.#client = client;
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.#pointer = options.pointer ?? new S3PointerKeeper(client, location);
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.description = `S3 ${location.url} (pointer in ${this.#pointer.description})`;
  }

  withPointer(keeper: PointerKeeper): S3StateStore {
    return new S3StateStore({ ...this.#options, pointer: keeper });
  }

  async probe(): Promise<void> {
    const key = `${this.#prefix}.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
    const where = `s3://${this.#bucket}/${this.#prefix}`;
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: 'probe\n' }),
      );
    } catch (err) {
      throw described(`cannot write the state in ${where}`, err);
    }
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (err) {
      throw described(`cannot delete objects in ${where} (old states would pile up)`, err);
    }
  }

  async load(): Promise<Loaded | undefined> {
    const pointer = await this.#pointer.read();
    this.#last = pointer;
    if (pointer === undefined) return undefined;
    const where = `s3://${this.#bucket}/${pointer.key}`;
    let bytes: Uint8Array;
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: pointer.key }),
      );
      bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (err) {
      throw described(`cannot read the saved state ${where} named by the pointer`, err);
    }
    // A pointer names one object whole: anything else is refused, never restored.
    if (bytes.byteLength !== pointer.size || sha256(bytes) !== pointer.sha256) {
      throw new Error(
        `the saved state ${where} does not match its pointer (${bytes.byteLength} bytes, ${pointer.size} expected, or another SHA-256); refusing to restore it`,
      );
    }
    return { bytes, generation: `${pointer.sequence}:${pointer.sha256.slice(0, 16)}` };
  }

  save(bytes: Uint8Array): Promise<string> {
    const run = this.#queue.then(() => this.#write(bytes));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Copies the current object aside as `corrupt-<time>.json` and clears the pointer. */
  async setAside(_reason: string): Promise<void> {
    const pointer = await this.#pointer.read();
    if (pointer === undefined) return;
    const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: `${this.#prefix}corrupt-${stamp}.json`,
        CopySource: `${this.#bucket}/${pointer.key}`,
      }),
    );
    await this.#pointer.write(undefined);
    this.#last = undefined;
  }

  async #write(bytes: Uint8Array): Promise<string> {
    const sequence = await this.#pointer.nextSequence();
    const key = `${this.#prefix}state-${String(sequence).padStart(16, '0')}-${randomBytes(4).toString('hex')}.json`;
    const last = this.#last ?? (await this.#pointer.read());
    const older = last === undefined ? [] : [last.key, ...(last.older ?? [])];
    const kept = older.slice(0, KEPT_PREVIOUS_STATES);
    const garbage = [
      ...new Set([
        ...older.slice(KEPT_PREVIOUS_STATES),
        ...(last?.garbage ?? []),
        ...this.#orphans,
      ]),
    ]
      .filter((k) => k !== key && !kept.includes(k))
      .slice(0, MAX_TRACKED_KEYS - kept.length);
    const pointer: StatePointer = {
      key,
      size: bytes.byteLength,
      sha256: sha256(bytes),
      sequence,
      older: kept,
      garbage,
    };
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: bytes,
          ContentType: 'application/json',
        }),
      );
    } catch (err) {
      throw described(`cannot save the state to s3://${this.#bucket}/${key}`, err);
    }
    try {
      await this.#pointer.write(pointer);
    } catch (err) {
      // The object is an orphan now; the next save deletes it.
      this.#orphans = [...new Set([...this.#orphans, key])].slice(-MAX_TRACKED_KEYS);
      throw new Error(
        `cannot point ${this.#pointer.description} at the saved state: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    this.#orphans = this.#orphans.filter((k) => !garbage.includes(k));
    // Failing to remove old states never fails the save: the next one tries again.
    const left = await this.#removeByName(garbage);
    this.#last = { ...pointer, garbage: left };
    return `${sequence}:${pointer.sha256.slice(0, 16)}`;
  }

  /** Deletes `keys` one by one (no listing); returns those whose delete failed, counted and logged. */
  async #removeByName(keys: readonly string[]): Promise<string[]> {
    const failed: string[] = [];
    let lastError: unknown;
    for (const key of keys) {
      try {
        await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
      } catch (err) {
        failed.push(key);
        lastError = err;
      }
    }
    if (failed.length > 0) {
      this.cleanupFailures += 1;
      this.#logger?.warn(
        {
          state: this.description,
          failedDeletes: failed.length,
          reason: explainAwsError(lastError, 'S3'),
        },
        'removing old state objects failed; trying again at the next save',
      );
    }
    return failed;
  }
}
