/**
 * Lists the shards of the stream (ListShards, every page) and reads its
 * retention period (DescribeStreamSummary). Errors of ListShards reach the
 * caller, which counts and reports them; the retention is best effort.
 */
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { ShardInfo } from './shard-state.js';

export interface ShardListerOptions {
  client: KinesisClient;
  /** A stream name, or a stream ARN (starting with `arn:`). */
  stream: string;
  /** ListShards MaxResults; unset: the service's default page size. */
  pageSize?: number;
}

/** StreamName or StreamARN, as the stream was configured. */
export function streamParams(stream: string): { StreamName: string } | { StreamARN: string } {
  return stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
}

function toShardInfo(shard: Shard): ShardInfo | undefined {
  if (shard.ShardId === undefined) return undefined;
  const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return {
    id: shard.ShardId,
    parents,
    startingSequenceNumber: shard.SequenceNumberRange?.StartingSequenceNumber,
    closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
  };
}

export class ShardLister {
  readonly #client: KinesisClient;
  readonly #stream: string;
  readonly #pageSize: { MaxResults: number } | Record<string, never>;

  constructor(options: ShardListerOptions) {
    this.#client = options.client;
    this.#stream = options.stream;
    this.#pageSize = options.pageSize === undefined ? {} : { MaxResults: options.pageSize };
  }

  /** Every shard of the stream, in listing order. */
  async listShards(signal?: AbortSignal): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      // A call with NextToken must not name the stream.
      const input: ListShardsCommandInput =
        nextToken === undefined
          ? { ...streamParams(this.#stream), ...this.#pageSize }
          : { NextToken: nextToken, ...this.#pageSize };
      const out = await this.#client.send(
        new ListShardsCommand(input),
        signal === undefined ? {} : { abortSignal: signal },
      );
      for (const shard of out.Shards ?? []) {
        const info = toShardInfo(shard);
        if (info !== undefined) shards.push(info);
      }
      nextToken = out.NextToken;
    } while (nextToken !== undefined && nextToken.length > 0);
    return shards;
  }

  /** How long the stream keeps records, in ms; undefined when it cannot be read. */
  async describeRetentionMs(signal?: AbortSignal): Promise<number | undefined> {
    try {
      const out = await this.#client.send(
        new DescribeStreamSummaryCommand(streamParams(this.#stream)),
        signal === undefined ? {} : { abortSignal: signal },
      );
      const hours = out.StreamDescriptionSummary?.RetentionPeriodHours;
      return typeof hours === 'number' && Number.isFinite(hours) && hours > 0
        ? hours * 3_600_000
        : undefined;
    } catch {
      return undefined;
    }
  }
}
