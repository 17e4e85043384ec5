import type { CheckpointStore } from './checkpoint-store.js';

/** Checkpoints kept in memory only: a restart starts over at the start position. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly description = 'memory (not persisted)';
  #positions: Map<string, string>;
  #saves = 0;

  constructor(initial: ReadonlyMap<string, string> = new Map()) {
    this.#positions = new Map(initial);
  }

  async load(): Promise<Map<string, string>> {
    return new Map(this.#positions);
  }

  async save(positions: ReadonlyMap<string, string>): Promise<void> {
    this.#positions = new Map(positions);
    this.#saves += 1;
  }

  /** How many times save() was called (for tests). */
  get saves(): number {
    return this.#saves;
  }
}
