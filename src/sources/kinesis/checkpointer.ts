/**
 * The positions table of the Kinesis source, and its encoding as the source's
 * position: per shard, the sequence number of the last record handed to the
 * sink, or SHARD_END for a shard read to its end. It only records what the
 * orchestrator tells it; it never reads Kinesis and never saves anything.
 */
import type { Json, PositionProblem } from '../../base/position.js';

/** The position of a shard that was read to its end (its children may be read). */
export const SHARD_END = 'SHARD_END';

/** A Kinesis sequence number: decimal digits. */
export function isSequenceNumber(value: string): boolean {
  return /^\d{1,256}$/.test(value);
}

/** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME` -> NAME; a name stays as is. */
export function streamNameOf(stream: string): string {
  if (!stream.startsWith('arn:')) return stream;
  const slash = stream.lastIndexOf('/');
  return slash === -1 ? stream : stream.slice(slash + 1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `position` cannot be a position of `stream`: `malformed` for a wrong
 * shape or a shard value that is neither digits nor SHARD_END, `foreign` for
 * another stream (compared by name, so a name and an ARN of it agree).
 */
export function checkPosition(position: Json, stream: string): PositionProblem | undefined {
  if (!isObject(position)) {
    return { kind: 'malformed', reason: 'a Kinesis position is a JSON object' };
  }
  if (typeof position.stream !== 'string') {
    return { kind: 'malformed', reason: 'the stream of a Kinesis position is not a string' };
  }
  const shards = position.shards;
  if (!isObject(shards)) {
    return { kind: 'malformed', reason: 'the shards of a Kinesis position are not an object' };
  }
  for (const [shardId, value] of Object.entries(shards)) {
    if (typeof value !== 'string' || !(value === SHARD_END || isSequenceNumber(value))) {
      return {
        kind: 'malformed',
        reason: `the position of shard ${shardId} is neither a sequence number nor ${SHARD_END}`,
      };
    }
  }
  if (streamNameOf(position.stream) !== streamNameOf(stream)) {
    return {
      kind: 'foreign',
      reason: `the position is of stream ${position.stream}, not of stream ${stream}`,
    };
  }
  return undefined;
}

/** The positions table of a position that checkPosition accepted. */
export function decodePosition(position: Json): Map<string, string> {
  const shards = isObject(position) && isObject(position.shards) ? position.shards : {};
  const out = new Map<string, string>();
  for (const [shardId, value] of Object.entries(shards)) {
    if (typeof value === 'string') out.set(shardId, value);
  }
  return out;
}

export class Checkpointer {
  /** shardId -> last delivered sequence number, or SHARD_END. */
  readonly #positions = new Map<string, string>();

  constructor(initial: ReadonlyMap<string, string> = new Map()) {
    for (const [shardId, value] of initial) this.#positions.set(shardId, value);
  }

  get positions(): ReadonlyMap<string, string> {
    return this.#positions;
  }

  get size(): number {
    return this.#positions.size;
  }

  /** Records handed to the sink up to `sequenceNumber`; ignored when it is not one. */
  delivered(shardId: string, sequenceNumber: string): void {
    if (isSequenceNumber(sequenceNumber)) this.#positions.set(shardId, sequenceNumber);
  }

  finished(shardId: string): void {
    this.#positions.set(shardId, SHARD_END);
  }

  /** The position of a shard does not hold any more (stream recreated, rejected by Kinesis). */
  forget(shardId: string): void {
    this.#positions.delete(shardId);
  }

  /** `{ stream, shards }` with the shard ids sorted. */
  encode(stream: string): Json {
    const ids = [...this.#positions.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const shards: Record<string, string> = {};
    for (const id of ids) shards[id] = this.#positions.get(id) as string;
    return { stream, shards };
  }
}
