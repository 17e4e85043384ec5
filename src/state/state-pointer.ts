/**
 * Which saved object is the state: a small record naming it, kept apart from
 * the object so that a save is "write the object, then name it". The object
 * is never overwritten, so a crash at any moment leaves the pointer naming a
 * whole object, and the size and checksum in the pointer are checked at load.
 *
 * Where the pointer lives decides who may move it: an object beside the
 * state (one writer), or the lease item, where moving it is conditional on
 * still holding the lease (fencing; see src/leases/).
 */
export interface StatePointer {
  /** Object key of the state. */
  readonly key: string;
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
  /** Orders the objects: a later save has a higher sequence (also across writers under a lease). */
  readonly sequence: number;
  /** Earlier state objects kept for a look after an incident, newest first. */
  readonly older?: readonly string[];
  /** State objects to delete whose deletion is not confirmed yet (removed without listing the bucket). */
  readonly garbage?: readonly string[];
}

/** Keys a pointer may name in `older` and `garbage` together; past this the oldest are left to the bucket's lifecycle rule. */
export const MAX_TRACKED_KEYS = 100;

export interface PointerKeeper {
  /** For logs: where the pointer is kept. */
  readonly description: string;
  /** The pointer, or undefined when nothing was saved yet. */
  read(): Promise<StatePointer | undefined>;
  /**
   * Moves the pointer; undefined clears it. Rejects, leaving it where it
   * was, when it cannot be moved or this writer may not move it any more.
   */
  write(pointer: StatePointer | undefined): Promise<void>;
  /** The sequence for the next object: above every sequence written before, by this writer or any earlier one. */
  nextSequence(): Promise<number>;
}

/** Checks a value read back as a pointer; throws with the reason when it is not one. */
export function checkPointer(value: unknown): StatePointer {
  if (typeof value !== 'object' || value === null) throw new Error('pointer is not an object');
  const p = value as Record<string, unknown>;
  if (typeof p.key !== 'string' || p.key === '') throw new Error('pointer has no key');
  if (typeof p.size !== 'number' || !Number.isSafeInteger(p.size) || p.size < 0) {
    throw new Error('pointer has no size');
  }
  if (typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) {
    throw new Error('pointer has no SHA-256');
  }
  if (typeof p.sequence !== 'number' || !Number.isSafeInteger(p.sequence) || p.sequence < 0) {
    throw new Error('pointer has no sequence');
  }
  const keys = (name: 'older' | 'garbage'): string[] => {
    const value = p[name];
    if (value === undefined) return [];
    if (
      !Array.isArray(value) ||
      value.length > MAX_TRACKED_KEYS ||
      !value.every((k) => typeof k === 'string' && k !== '')
    ) {
      throw new Error(`pointer ${name} is not a list of keys`);
    }
    return value as string[];
  };
  return {
    key: p.key,
    size: p.size,
    sha256: p.sha256,
    sequence: p.sequence,
    older: keys('older'),
    garbage: keys('garbage'),
  };
}
