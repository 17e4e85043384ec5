/**
 * What a source and durable state agree on without knowing each other: a
 * position is JSON, and a source can say whether a saved one is its own.
 * Sources implement it; state captures and checks positions through it.
 */

/** A JSON-safe value: what positions and saved state are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Why a saved position cannot be used by this source. */
export interface PositionProblem {
  /** `foreign`: a valid position of another stream or file; `malformed`: not a position at all. */
  readonly kind: 'foreign' | 'malformed';
  readonly reason: string;
}

/** The part of a source that durable state reads: where it is, and whether a saved position fits. */
export interface Positioned {
  /**
   * Whether `position` (as read back from durable state) is one this source
   * can start after. Called before the saved counting state is restored, so
   * a foreign or broken position restores nothing.
   */
  checkPosition(position: Json): PositionProblem | undefined;
  /** Where the source is: after the last batch handed to the sink. Synchronous. */
  position(): Json;
}
