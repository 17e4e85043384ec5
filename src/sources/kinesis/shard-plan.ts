/**
 * Which shards to read now, which wait for their parents, which are skipped,
 * and where each starts. Pure: the listing, the positions and what happened
 * in this run come in, decisions go out; no AWS call, no clock.
 *
 * The rules: a child is read only after each of its parents that is to be
 * read was read to its end; a shard at SHARD_END is never read again; a
 * position resumes AFTER_SEQUENCE_NUMBER; the configured start applies to a
 * shard without a position, except a child of finished parents, which starts
 * at TRIM_HORIZON (or at the configured timestamp when its parents did too).
 */
import { isSequenceNumber, SHARD_END } from './checkpointer.js';
import type { ShardInfo, ShardState } from './shard-state.js';
import type { StartPosition } from './start-position.js';

export type ShardStart = StartPosition | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface PlanContext {
  /** shardId -> last delivered sequence number, or SHARD_END. */
  readonly positions: ReadonlyMap<string, string>;
  /** Where shards without a position start. */
  readonly startPosition: StartPosition;
  /** Shards to read from TRIM_HORIZON although they have no position (stream recreated, position rejected). */
  readonly forceTrimHorizon: ReadonlySet<string>;
  /** Shards whose reading began at the configured start position in this run. */
  readonly startedFromConfig: ReadonlySet<string>;
}

export interface ShardDecision {
  readonly shard: ShardInfo;
  readonly state: ShardState;
  /** Set for a shard to start reading now: where. */
  readonly start?: ShardStart;
  /** Set with `start`: the shard starts at the configured start position. */
  readonly fromConfig?: boolean;
  /** For a shard waiting for its parents: the parents it waits for. */
  readonly waitingFor?: readonly string[];
}

/** Whether a shard needs reading at all (a closed shard without history is skipped under LATEST). */
export function shouldRead(shard: ShardInfo, context: PlanContext): boolean {
  const position = context.positions.get(shard.id);
  if (position === SHARD_END) return false;
  if (position !== undefined || context.forceTrimHorizon.has(shard.id)) return true;
  if (!shard.closed) return true;
  if (shard.parents.some((p) => context.positions.get(p) === SHARD_END)) return true;
  return context.startPosition.type !== 'LATEST';
}

/** Where reading a shard starts (again), and whether that is the configured start. */
export function startFor(
  shard: ShardInfo,
  context: PlanContext,
): { start: ShardStart; fromConfig: boolean } {
  const position = context.positions.get(shard.id);
  if (position !== undefined && isSequenceNumber(position)) {
    return {
      start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: position },
      fromConfig: false,
    };
  }
  if (context.forceTrimHorizon.has(shard.id)) {
    return { start: { type: 'TRIM_HORIZON' }, fromConfig: false };
  }
  const finishedParents = shard.parents.filter((p) => context.positions.get(p) === SHARD_END);
  if (finishedParents.length > 0) {
    // Every record of a child came after its parents' ends, which were read: start at its
    // beginning, except when the parents themselves started at the configured timestamp.
    if (
      context.startPosition.type === 'AT_TIMESTAMP' &&
      finishedParents.every((p) => context.startedFromConfig.has(p))
    ) {
      return { start: context.startPosition, fromConfig: true };
    }
    return { start: { type: 'TRIM_HORIZON' }, fromConfig: false };
  }
  return { start: context.startPosition, fromConfig: true };
}

/**
 * After the stream was deleted and created again: whether a shard's position
 * still belongs to the shard now listed (it is not before the shard's start).
 */
export function isPositionCurrent(position: string | undefined, shard: ShardInfo): boolean {
  const start = shard.startingSequenceNumber;
  return (
    position !== undefined &&
    isSequenceNumber(position) &&
    start !== undefined &&
    isSequenceNumber(start) &&
    BigInt(position) >= BigInt(start)
  );
}

/**
 * One decision per listed shard, in listing order. `reading` holds the shards
 * being read now; a shard decided to start counts as read for the shards
 * after it, so a child never starts in the same pass as its parent.
 */
export function planShards(
  listing: Iterable<ShardInfo>,
  reading: ReadonlySet<string>,
  context: PlanContext,
): ShardDecision[] {
  const shards = [...listing];
  const byId = new Map(shards.map((s) => [s.id, s]));
  const active = new Set(reading);
  const startedFromConfig = new Set(context.startedFromConfig);
  const live: PlanContext = { ...context, startedFromConfig };
  const decisions: ShardDecision[] = [];
  for (const shard of shards) {
    if (active.has(shard.id)) {
      decisions.push({ shard, state: 'reading' });
      continue;
    }
    if (!shouldRead(shard, live)) {
      const finished = context.positions.get(shard.id) === SHARD_END;
      decisions.push({ shard, state: finished ? 'finished' : 'skipped' });
      continue;
    }
    // A parent still listed that is being read or will be, and is not at its end yet.
    const blocking = shard.parents.filter((p) => {
      if (active.has(p)) return true;
      const parent = byId.get(p);
      return parent !== undefined && shouldRead(parent, live);
    });
    if (blocking.length > 0) {
      decisions.push({ shard, state: 'waiting-for-parents', waitingFor: blocking });
      continue;
    }
    const { start, fromConfig } = startFor(shard, live);
    if (fromConfig) startedFromConfig.add(shard.id);
    active.add(shard.id);
    decisions.push({ shard, state: 'reading', start, fromConfig });
  }
  return decisions;
}
