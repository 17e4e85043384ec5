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

// Defined with the Kinesis checkpointer; named here for file-checkpoint-store.ts until it is replaced.
export { isSequenceNumber, SHARD_END } from '../sources/kinesis/checkpointer.js';
