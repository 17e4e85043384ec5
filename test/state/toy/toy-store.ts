/**
 * A toy store, as a new store would be added: one class with its factory and
 * its option. It keeps each save as a new file under a directory of its own
 * and names the current one by a pointer (src/state/state-pointer.ts): a file
 * `current.json` beside them, or whatever keeps it instead, such as a lease.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../../src/config.js';
import type { StoreFactory } from '../../../src/state/create-store.js';
import {
  checkPointer,
  type PointerKeeper,
  type StatePointer,
} from '../../../src/state/state-pointer.js';
import type { Loaded, SharedStateStore } from '../../../src/state/state-store.js';

/** Its one option: which directory. (In src/ it would be an OptionSpec listed in config.ts.) */
export interface ToyStoreConfig extends Config {
  readonly toyStateDir?: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The pointer as a file beside the saves, replaced by rename: one writer. */
class FilePointer implements PointerKeeper {
  readonly description: string;
  readonly #path: string;

  constructor(directory: string) {
    this.#path = join(directory, 'current.json');
    this.description = `file ${this.#path}`;
  }

  async read(): Promise<StatePointer | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const value: unknown = JSON.parse(text);
    return value === null ? undefined : checkPointer(value);
  }

  async write(pointer: StatePointer | undefined): Promise<void> {
    await writeFile(`${this.#path}.tmp`, JSON.stringify(pointer ?? null));
    await rename(`${this.#path}.tmp`, this.#path);
  }

  /** One writer: the sequence after the one the pointer names. */
  async nextSequence(): Promise<number> {
    return ((await this.read())?.sequence ?? -1) + 1;
  }
}

export class ToyStore implements SharedStateStore {
  readonly description: string;
  readonly sharedLocation: string;
  readonly #directory: string;
  readonly #pointer: PointerKeeper;

  constructor(directory: string, pointer?: PointerKeeper) {
    this.#directory = directory;
    this.#pointer = pointer ?? new FilePointer(directory);
    this.sharedLocation = `toy:${directory}`;
    this.description = `toy ${directory} (pointer in ${this.#pointer.description})`;
  }

  withPointer(keeper: PointerKeeper): ToyStore {
    return new ToyStore(this.#directory, keeper);
  }

  async probe(): Promise<void> {
    await mkdir(this.#directory, { recursive: true });
    await writeFile(join(this.#directory, '.probe'), 'probe\n');
    await rm(join(this.#directory, '.probe'));
  }

  async load(): Promise<Loaded | undefined> {
    const pointer = await this.#pointer.read();
    if (pointer === undefined) return undefined;
    const bytes = await readFile(join(this.#directory, pointer.key));
    if (bytes.byteLength !== pointer.size || sha256(bytes) !== pointer.sha256) {
      throw new Error(`${pointer.key} is not the state its pointer names`);
    }
    return { bytes, generation: pointer.key };
  }

  async save(bytes: Uint8Array): Promise<string> {
    const sequence = await this.#pointer.nextSequence();
    const key = `state-${sequence}.json`;
    await writeFile(join(this.#directory, key), bytes);
    await this.#pointer.write({ key, size: bytes.byteLength, sha256: sha256(bytes), sequence });
    return key;
  }

  async setAside(_reason: string): Promise<void> {
    await this.#pointer.write(undefined);
  }
}

export const TOY_STORE: StoreFactory<ToyStoreConfig> = {
  name: 'toy',
  chosen: (config) => config.toyStateDir !== undefined,
  create: (config) => new ToyStore(config.toyStateDir as string),
};
