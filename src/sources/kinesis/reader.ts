/**
 * Reads one shard with GetRecords until its end, a stop or a cancel: gets
 * iterators (again after one expired), keeps to the per-shard call rate,
 * waits when caught up and backs off on errors. What to do with a batch,
 * where to start and what a problem means for the source is the host's.
 */
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { errorCode } from '../../base/aws-error.js';
import { backoffDelay, classifyError, type ErrorKind } from './errors.js';
import type { KinesisMetrics } from './kinesis-metrics.js';
import { streamParams } from './lister.js';
import { ProblemLog } from './problem-log.js';
import type { ShardStart } from './shard-plan.js';
import { describeProblem, type Problem } from './status.js';

/** What a reader asks of the source that runs it; every call is synchronous. */
export interface ShardReaderHost {
  /** Where to read from when a new iterator is needed; undefined when the shard is gone. */
  startFor(shardId: string): ShardStart | undefined;
  /** The stream was created anew: drop a stale position; true when the shard has none left. */
  resetIfStale(shardId: string): boolean;
  /** Kinesis rejected the shard's position: forget it, read the shard from TRIM_HORIZON. */
  rejectPosition(shardId: string): void;
  /** A successful GetRecords with its records (maybe none). */
  received(shardId: string, records: readonly _Record[]): void;
  /** The shard was read to its end. */
  finished(shardId: string): void;
  /** Why reading the shard fails now; undefined once it works again. */
  problem(shardId: string, problem: Problem | undefined): void;
}

export interface ShardReaderOptions {
  client: KinesisClient;
  /** A stream name, or a stream ARN (starting with `arn:`). */
  stream: string;
  shardId: string;
  host: ShardReaderHost;
  /** Aborted when the source stops. */
  signal: AbortSignal;
  logger: Logger;
  metrics: KinesisMetrics;
  /** GetRecords Limit. */
  limit: number;
  /** Shortest time between two GetRecords calls. */
  minCallIntervalMs: number;
  /** Wait after a call that found the shard caught up. */
  idleDelayMs: number;
  /** Cap of the exponential backoff, and the delay of slow retries. */
  maxBackoffMs: number;
}

const BACKOFF_BASE_MS = 100;
/** Kinds retried at the backoff cap: they do not clear up in milliseconds. */
const SLOW_RETRY: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'not-found',
  'access-denied',
  'no-credentials',
  'credentials-rejected',
]);
/** Clock skew allowed for when a LATEST position is replayed as AT_TIMESTAMP. */
const LATEST_MARGIN_MS = 5000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class ShardReader {
  readonly shardId: string;
  /** The shard left the listing: stop reading it. */
  cancelled = false;
  /** The stream was deleted and created again: check the position before the next call. */
  recreated = false;
  readonly #options: ShardReaderOptions;
  readonly #log: Logger;

  constructor(options: ShardReaderOptions) {
    this.shardId = options.shardId;
    this.#options = options;
    this.#log = options.logger.child({ shardId: options.shardId });
  }

  /** Reads from `first` on; resolves when the shard is finished, cancelled or the source stops. */
  async run(first: ShardStart): Promise<void> {
    const { client, host, signal, metrics, limit, stream } = this.#options;
    const shardId = this.shardId;
    const log = this.#log;
    let iterator: string | undefined;
    let next: ShardStart | undefined = first;
    let attempt = 0;
    let lastCallMs = 0;
    const problems = new ProblemLog(log, 'Kinesis call failed');
    let latestAnchor: Date | undefined;

    const onError = (operation: string, err: unknown): ErrorKind => {
      const code = errorCode(err);
      const kind = classifyError(err);
      metrics.errors.inc({ operation, shard_id: shardId, code });
      if (kind === 'expired-iterator') {
        log.info({ operation, code }, 'shard iterator expired; getting a new one');
        return kind;
      }
      const verb = operation === 'GetRecords' ? 'read' : 'get an iterator for';
      const problem = describeProblem(kind, code, err, `${verb} shard ${shardId} of`, stream);
      host.problem(shardId, problem);
      problems.report(kind, err, problem);
      return kind;
    };

    const onSuccess = (): void => {
      problems.clear('Kinesis calls succeed again');
      host.problem(shardId, undefined);
      attempt = 0;
    };

    while (!signal.aborted && !this.cancelled) {
      if (this.recreated) {
        this.recreated = false;
        if (host.resetIfStale(shardId)) iterator = undefined;
      }
      if (iterator === undefined) {
        let start = next ?? host.startFor(shardId);
        next = undefined;
        if (start === undefined) return;
        if (start.type === 'LATEST') {
          // A second LATEST (after an expired iterator, before any record) would skip what
          // arrived meanwhile: go back to when the first one was asked for, with a margin.
          if (latestAnchor === undefined) latestAnchor = new Date(Date.now() - LATEST_MARGIN_MS);
          else start = { type: 'AT_TIMESTAMP', timestamp: latestAnchor };
        }
        try {
          iterator = await this.#getIterator(start);
        } catch (err) {
          if (signal.aborted) break;
          const kind = onError('GetShardIterator', err);
          if (kind === 'invalid-argument' && start.type === 'AFTER_SEQUENCE_NUMBER') {
            log.error(
              { sequenceNumber: start.sequenceNumber, err },
              'checkpointed position is not valid for this shard; reading it from TRIM_HORIZON',
            );
            host.rejectPosition(shardId);
            continue;
          }
          await sleep(this.#retryDelay(kind, attempt), signal);
          attempt += 1;
          continue;
        }
        if (iterator === undefined) {
          // No iterator: the shard is closed and nothing is left after the position.
          host.finished(shardId);
          return;
        }
        log.debug({ start: start.type }, 'shard iterator obtained');
      }

      await sleep(lastCallMs + this.#options.minCallIntervalMs - Date.now(), signal);
      if (signal.aborted || this.cancelled) break;
      lastCallMs = Date.now();
      let out: GetRecordsCommandOutput;
      try {
        out = await client.send(
          new GetRecordsCommand({
            ShardIterator: iterator,
            Limit: limit,
            ...(stream.startsWith('arn:') ? { StreamARN: stream } : {}),
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal.aborted) break;
        const kind = onError('GetRecords', err);
        if (kind === 'expired-iterator') {
          iterator = undefined;
          continue;
        }
        if (kind === 'invalid-argument' || kind === 'not-found' || kind === 'access-denied') {
          iterator = undefined;
        }
        await sleep(this.#retryDelay(kind, attempt), signal);
        attempt += 1;
        continue;
      }

      // The batch in hand is delivered even when the source was stopped meanwhile.
      onSuccess();
      metrics.getRecordsCalls.inc({ shard_id: shardId });
      const behind = out.MillisBehindLatest;
      if (behind !== undefined) metrics.shardLag.set({ shard_id: shardId }, behind / 1000);
      const records = out.Records ?? [];
      host.received(shardId, records);

      if (out.NextShardIterator === undefined || out.NextShardIterator === null) {
        host.finished(shardId);
        return;
      }
      iterator = out.NextShardIterator;
      const caughtUp = (behind ?? 0) === 0 && records.length < limit;
      if (caughtUp) await sleep(this.#options.idleDelayMs, signal);
    }
  }

  async #getIterator(start: ShardStart): Promise<string | undefined> {
    const input: GetShardIteratorCommandInput = {
      ...streamParams(this.#options.stream),
      ShardId: this.shardId,
      ShardIteratorType: start.type,
    };
    if (start.type === 'AFTER_SEQUENCE_NUMBER') input.StartingSequenceNumber = start.sequenceNumber;
    if (start.type === 'AT_TIMESTAMP') input.Timestamp = start.timestamp;
    const out = await this.#options.client.send(new GetShardIteratorCommand(input), {
      abortSignal: this.#options.signal,
    });
    return out.ShardIterator;
  }

  #retryDelay(kind: ErrorKind, attempt: number): number {
    if (SLOW_RETRY.has(kind)) return this.#options.maxBackoffMs;
    return backoffDelay(attempt, BACKOFF_BASE_MS, this.#options.maxBackoffMs);
  }
}
