/**
 * Where durable state is kept: bytes saved whole and loaded whole, each save
 * a new generation. A store knows nothing of what the bytes mean; the file
 * store and the S3 store implement it, and `create-store.ts` picks one from
 * the configuration.
 */
import type { PointerKeeper } from './state-pointer.js';

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

/**
 * A store several replicas can share under a lease: its saves are named by a
 * pointer (state-pointer.ts) that can be kept elsewhere, in the lease, where
 * only the holder can move it. The S3 store is one; the file store is not
 * (one file replaced by rename has no pointer to fence).
 */
export interface SharedStateStore extends StateStore {
  /** What the replicas share, as the lease is keyed: the same for every replica of one state. */
  readonly sharedLocation: string;
  /** This store with its pointer kept by `keeper` instead of beside the saves. */
  withPointer(keeper: PointerKeeper): StateStore;
}

/** Whether `store` can keep its pointer with a lease. */
export function isSharedStore(store: StateStore): store is SharedStateStore {
  return typeof (store as Partial<SharedStateStore>).withPointer === 'function';
}
