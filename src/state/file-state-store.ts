/**
 * State in one file under a directory, replaced atomically: write a
 * temporary file, fsync it, rename it over the old one, fsync the directory.
 * Temporary files of a write that a crash interrupted are removed at load.
 * The state holds task and service names and failure reasons: the file is
 * written 0600.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Loaded, StateStore } from './state-store.js';

export interface FileStateStoreOptions {
  /** Directory for the file; created when missing. */
  readonly directory: string;
  readonly fileName: string;
  /** Clock for the set-aside suffix (tests). */
  readonly now?: () => number;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** A file system error in words: the cause first, the code for searching. */
function explain(err: unknown): string {
  const code = errorCode(err);
  const uid = process.getuid?.();
  const user = uid === undefined ? '' : ` for user id ${uid}`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied${user} (${code})`;
    case 'EEXIST':
    case 'ENOTDIR':
      return `a file is in the way where a directory is expected (${code})`;
    case 'EISDIR':
      return `a directory is in the way where a file is expected (${code})`;
    case 'EROFS':
      return `read-only file system (${code})`;
    case 'ENOSPC':
      return `no space left on the device (${code})`;
    case 'EDQUOT':
      return `disk quota exceeded (${code})`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** An error whose message says what failed and why, keeping the code for counting. */
function described(what: string, err: unknown): Error {
  const code = errorCode(err);
  return Object.assign(
    new Error(`${what}: ${explain(err)}`, { cause: err }),
    code === undefined ? {} : { code },
  );
}

export class FileStateStore implements StateStore {
  readonly description: string;
  readonly path: string;
  readonly #directory: string;
  readonly #now: () => number;
  #tmpCounter = 0;
  /** Saves run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: FileStateStoreOptions) {
    this.#directory = options.directory;
    this.#now = options.now ?? Date.now;
    this.path = join(options.directory, options.fileName);
    this.description = `file ${this.path}`;
  }

  async probe(): Promise<void> {
    const directory = this.#directory;
    try {
      await mkdir(directory, { recursive: true });
    } catch (err) {
      throw described(`cannot create the state directory ${directory}`, err);
    }
    const probe = join(directory, `.write-probe-${process.pid}`);
    try {
      const handle = await open(probe, 'w', 0o600);
      try {
        await handle.writeFile('probe\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rm(probe);
    } catch (err) {
      await rm(probe, { force: true }).catch(() => undefined);
      throw described(`cannot write in the state directory ${directory}`, err);
    }
  }

  async load(): Promise<Loaded | undefined> {
    await this.#removeTemporaryFiles();
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw described(`cannot read the saved state ${this.path}`, err);
    }
    return { bytes, generation: await this.#generation() };
  }

  save(bytes: Uint8Array): Promise<string> {
    const run = this.#queue.then(() => this.#write(bytes));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async setAside(_reason: string): Promise<void> {
    const aside = `${this.path}.corrupt-${new Date(this.#now()).toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.path, aside);
  }

  async #generation(): Promise<string> {
    const s = await stat(this.path, { bigint: true });
    return `${s.mtimeNs}-${s.size}`;
  }

  async #write(bytes: Uint8Array): Promise<string> {
    try {
      return await this.#writeFile(bytes);
    } catch (err) {
      throw described(`cannot save the state to ${this.path}`, err);
    }
  }

  async #writeFile(bytes: Uint8Array): Promise<string> {
    await mkdir(this.#directory, { recursive: true });
    this.#tmpCounter += 1;
    const tmp = `${this.path}.tmp-${process.pid}-${this.#tmpCounter}`;
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
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
    return this.#generation();
  }

  /** Temporary files of writes that a crash interrupted; the saved file itself is intact. */
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
}
