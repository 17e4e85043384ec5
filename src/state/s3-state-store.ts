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
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { explainAwsError } from './aws-error.js';
import type { S3Location } from './s3-location.js';
import { checkPointer, type PointerKeeper, type StatePointer } from './state-pointer.js';
import type { Loaded, StateStore } from './state-store.js';

/** State objects kept before the current one. */
export const KEPT_PREVIOUS_STATES = 3;

const STATE_KEY = /state-(\d{16})-[0-9a-f]+\.json$/;

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
}

export class S3StateStore implements StateStore {
  readonly description: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #pointer: PointerKeeper;
  readonly #now: () => number;
  /** Saves run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: S3StateStoreOptions) {
    const { client, location } = options;
    this.#client = client;
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.#pointer = options.pointer ?? new S3PointerKeeper(client, location);
    this.#now = options.now ?? Date.now;
    this.description = `S3 ${location.url} (pointer in ${this.#pointer.description})`;
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
  }

  async #write(bytes: Uint8Array): Promise<string> {
    const sequence = await this.#pointer.nextSequence();
    const key = `${this.#prefix}state-${String(sequence).padStart(16, '0')}-${randomBytes(4).toString('hex')}.json`;
    const pointer: StatePointer = { key, size: bytes.byteLength, sha256: sha256(bytes), sequence };
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
      // The object is an orphan now; a later save removes it.
      throw new Error(
        `cannot point ${this.#pointer.description} at the saved state: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    // Failing to remove old states never fails the save: the next one tries again.
    await this.#removeOldStates(sequence).catch(() => undefined);
    return `${sequence}:${pointer.sha256.slice(0, 16)}`;
  }

  /** State objects older than the current one, but the newest few. */
  async #removeOldStates(current: number): Promise<void> {
    const older: { key: string; sequence: number }[] = [];
    let token: string | undefined;
    do {
      const out = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: `${this.#prefix}state-`,
          ContinuationToken: token,
        }),
      );
      for (const object of out.Contents ?? []) {
        const match = object.Key === undefined ? null : STATE_KEY.exec(object.Key);
        if (match === null) continue;
        const sequence = Number(match[1]);
        if (sequence < current) older.push({ key: object.Key as string, sequence });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    older.sort((a, b) => b.sequence - a.sequence || (a.key < b.key ? 1 : -1));
    const removed = older.slice(KEPT_PREVIOUS_STATES);
    for (let i = 0; i < removed.length; i += 1000) {
      await this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: removed.slice(i, i + 1000).map((o) => ({ Key: o.key })), Quiet: true },
        }),
      );
    }
  }
}
