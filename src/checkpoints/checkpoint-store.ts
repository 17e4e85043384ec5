/**
 * Where the Kinesis source keeps, per shard, the last sequence number whose
 * record was processed, or SHARD_END for a shard read to its end.
 */
export interface CheckpointStore {
  /** shardId -> last processed sequence number (or SHARD_END). Never rejects for a corrupt store. */
  load(): Promise<Map<string, string>>;
  save(positions: ReadonlyMap<string, string>): Promise<void>;
  /** For logs: where the checkpoints are kept. */
  readonly description: string;
}

/** The position of a shard that was read to its end (its children may be read). */
export const SHARD_END = 'SHARD_END';

/** A Kinesis sequence number: decimal digits. */
export function isSequenceNumber(value: string): boolean {
  return /^\d{1,256}$/.test(value);
}
