/**
 * What the source knows of a shard, and where the shard is in its life here:
 *
 *   waiting-for-parents ──(each parent finished or not to be read)──▶ reading ──(no NextShardIterator)──▶ finished
 *
 *   skipped: closed, without a position or a finished parent, under LATEST: nothing to read.
 */
export type ShardState = 'waiting-for-parents' | 'reading' | 'finished' | 'skipped';

export interface ShardInfo {
  readonly id: string;
  /** ParentShardId and AdjacentParentShardId, when set. */
  readonly parents: readonly string[];
  readonly startingSequenceNumber: string | undefined;
  /** The shard has an ending sequence number: no record is added to it any more. */
  readonly closed: boolean;
}
