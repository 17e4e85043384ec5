/**
 * Checkpoints in one JSON file under a directory, replaced atomically: write a
 * temporary file, fsync it, rename it over the old one, fsync the directory.
 * A file that cannot be read or parsed is moved aside (`.corrupt-<ts>`) and
 * treated as empty, so a bad file never stops the exporter.
 *
 * Format: { "version": 2, "stream": "...", "shards": { "<shardId>": "<seq>|SHARD_END" },
 * "savedAt": "<ISO>", "state": <the exporter's counting state, when a codec is given> }.
 * Version 1 files (positions only) are still read. Positions and state are
 * written together, so they always agree.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { type CheckpointStore, isSequenceNumber, SHARD_END } from './checkpoint-store.js';

export const CHECKPOINT_FORMAT_VERSION = 2;

export interface CheckpointFile {
  version: 1 | 2;
  stream: string;
  shards: Record<string, string>;
  savedAt: string;
  state?: unknown;
}

/** Saves and restores the state that must agree with the positions. */
export interface StateCodec {
  /** Called synchronously when a save is asked for, with the positions of that moment. */
  capture(): unknown;
  /** Replaces the live state; throws, changing nothing, when `state` is not valid. */
  restore(state: unknown): void;
  /** Told that a captured (or restored) state is now on disk. */
  saved?(state: unknown): void;
}

export interface FileCheckpointStoreOptions {
  /** Directory for the file; created when missing. */
  directory: string;
  /** Stream name or ARN; names the file and is recorded in it. */
  stream: string;
  /** File name inside the directory; default derived from the stream name. */
  fileName?: string;
  logger?: Logger;
  /** Clock for savedAt and the corrupt suffix (tests). */
  now?: () => number;
  /** State saved with every checkpoint and restored on load. */
  state?: StateCodec;
}

/** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME` -> NAME; a name stays as is. */
export function streamNameOf(stream: string): string {
  if (!stream.startsWith('arn:')) return stream;
  const slash = stream.lastIndexOf('/');
  return slash === -1 ? stream : stream.slice(slash + 1);
}

export function checkpointFileName(stream: string): string {
  return `kinesis-checkpoint-${streamNameOf(stream).replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

function parseCheckpoint(text: string): CheckpointFile {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a JSON object');
  }
  const record = value as Record<string, unknown>;
  if (record.version !== 1 && record.version !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(`unsupported version ${JSON.stringify(record.version)}`);
  }
  if (typeof record.stream !== 'string') throw new Error('stream is not a string');
  const shards = record.shards;
  if (typeof shards !== 'object' || shards === null || Array.isArray(shards)) {
    throw new Error('shards is not an object');
  }
  const out: Record<string, string> = {};
  for (const [shardId, position] of Object.entries(shards as Record<string, unknown>)) {
    if (typeof position !== 'string' || !(position === SHARD_END || isSequenceNumber(position))) {
      throw new Error(`position of ${shardId} is not a sequence number or ${SHARD_END}`);
    }
    out[shardId] = position;
  }
  return {
    version: record.version,
    stream: record.stream,
    shards: out,
    savedAt: typeof record.savedAt === 'string' ? record.savedAt : '',
    ...('state' in record ? { state: record.state } : {}),
  };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

export class FileCheckpointStore implements CheckpointStore {
  readonly description: string;
  readonly path: string;
  readonly #directory: string;
  readonly #stream: string;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #state: StateCodec | undefined;
  #restored = false;
  #tmpCounter = 0;
  /** Saves run one after another. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: FileCheckpointStoreOptions) {
    this.#directory = options.directory;
    this.#stream = options.stream;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#state = options.state;
    this.path = join(options.directory, options.fileName ?? checkpointFileName(options.stream));
    this.description = `file ${this.path}`;
  }

  async load(): Promise<Map<string, string>> {
    const positions = await this.#load();
    // Without a restored state, what is shown starts from the empty state: nothing unsaved is shown.
    if (this.#state !== undefined && !this.#restored) this.#state.saved?.(this.#state.capture());
    return positions;
  }

  async #load(): Promise<Map<string, string>> {
    await this.#removeTemporaryFiles();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return new Map();
      await this.#moveAside(err);
      return new Map();
    }
    let parsed: CheckpointFile;
    try {
      parsed = parseCheckpoint(text);
    } catch (err) {
      await this.#moveAside(err);
      return new Map();
    }
    if (streamNameOf(parsed.stream) !== streamNameOf(this.#stream)) {
      this.#logger?.warn(
        { path: this.path, checkpointStream: parsed.stream, stream: this.#stream },
        'checkpoint file is for another stream; ignoring it',
      );
      return new Map();
    }
    if (this.#state !== undefined && parsed.state !== undefined) {
      try {
        this.#state.restore(parsed.state);
      } catch (err) {
        await this.#moveAside(err);
        return new Map();
      }
      this.#restored = true;
      this.#state.saved?.(parsed.state);
      this.#logger?.info(
        { path: this.path, savedAt: parsed.savedAt, shards: Object.keys(parsed.shards).length },
        'state restored',
      );
    }
    return new Map(Object.entries(parsed.shards));
  }

  save(positions: ReadonlyMap<string, string>): Promise<void> {
    const snapshot = new Map(positions);
    // Captured now, with the positions of this moment, not when the write gets its turn.
    const state = this.#state?.capture();
    const run = this.#queue.then(async () => {
      await this.#write(snapshot, state);
      if (state !== undefined) this.#state?.saved?.(state);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #write(positions: ReadonlyMap<string, string>, state: unknown): Promise<void> {
    const content: CheckpointFile = {
      version: CHECKPOINT_FORMAT_VERSION,
      stream: this.#stream,
      shards: Object.fromEntries([...positions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      savedAt: new Date(this.#now()).toISOString(),
      ...(state === undefined ? {} : { state }),
    };
    await mkdir(this.#directory, { recursive: true });
    this.#tmpCounter += 1;
    const tmp = `${this.path}.tmp-${process.pid}-${this.#tmpCounter}`;
    try {
      const handle = await open(tmp, 'w', 0o644);
      try {
        // Positions alone are small and worth reading by eye; with state, size wins.
        const text =
          state === undefined ? JSON.stringify(content, null, 2) : JSON.stringify(content);
        await handle.writeFile(`${text}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await this.#syncDirectory();
  }

  /** Temporary files of writes that a crash interrupted; the checkpoint itself is intact. */
  async #removeTemporaryFiles(): Promise<void> {
    const prefix = `${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(prefix)) await rm(join(this.#directory, name), { force: true });
    }
  }

  async #syncDirectory(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(this.#directory, 'r');
      await handle.sync();
    } catch (err) {
      // Some platforms and file systems cannot fsync a directory; the rename is still atomic.
      const code = errorCode(err);
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
    } finally {
      await handle?.close();
    }
  }

  async #moveAside(cause: unknown): Promise<void> {
    const aside = `${this.path}.corrupt-${new Date(this.#now()).toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, aside);
      this.#logger?.error(
        { path: this.path, movedTo: aside, err: cause },
        'checkpoint file unreadable; moved aside, starting without checkpoints',
      );
    } catch (err) {
      this.#logger?.error(
        { path: this.path, err, cause },
        'checkpoint file unreadable and could not be moved aside; starting without checkpoints',
      );
    }
  }
}
