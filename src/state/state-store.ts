/**
 * Where durable state is kept: bytes saved whole and loaded whole, each save
 * a new generation. A store knows nothing of what the bytes mean; the file
 * store is one implementation, a cloud store would be another and nothing
 * else.
 */
export interface Loaded {
  readonly bytes: Uint8Array;
  /** Opaque: names the saved version, for a store that writes conditionally. */
  readonly generation: string;
}

export interface StateStore {
  /** For logs: where the state is kept. */
  readonly description: string;
  /** The saved bytes, or undefined when nothing was saved yet. Rejects when the store cannot be read. */
  load(): Promise<Loaded | undefined>;
  /**
   * Replaces the saved bytes atomically: after a crash at any moment, a load
   * gives either the old bytes or the new ones. Resolves with the new
   * generation; rejects, leaving the old bytes, when the save fails.
   */
  save(bytes: Uint8Array): Promise<string>;
  /**
   * Checks, before anything is served, that saves can succeed: the location
   * exists or can be created, and a probe can be written, made durable and
   * removed. Rejects with an error whose message names the location and the
   * cause in words an operator can act on.
   */
  probe(): Promise<void>;
  /** Keeps saved bytes that could not be used out of the way (for a look later), so the next load finds none. */
  setAside(reason: string): Promise<void>;
  /** Clean-ups of old saves that failed, since start, for a store that keeps more than one save. */
  readonly cleanupFailures?: number;
}
