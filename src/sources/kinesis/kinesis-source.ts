/**
 * Reads every shard of a Kinesis Data Stream, one reader per shard, following
 * splits and merges (a child is read only after each of its parents was read
 * to its end), and hands each batch to the sink. It owns the orchestration:
 * listing on a timer, deciding with the shard plan, starting readers, and
 * recording each delivered batch in the checkpointer in the same synchronous
 * step as the delivery. It never saves anything; AWS errors are logged,
 * counted, backed off and reflected in readiness() and health(), never thrown.
 */
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { errorCode } from '../../base/aws-error.js';
import type { Check } from '../../base/check.js';
import type { Json, PositionProblem } from '../../base/position.js';
import type { RecordSink, Source } from '../source.js';
import { Checkpointer, checkPosition, decodePosition } from './checkpointer.js';
import { classifyError } from './errors.js';
import type { KinesisMetrics } from './kinesis-metrics.js';
import { ShardLister } from './lister.js';
import { ProblemLog } from './problem-log.js';
import { ShardReader, type ShardReaderHost } from './reader.js';
import {
  isPositionCurrent,
  type PlanContext,
  planShards,
  type ShardStart,
  startFor,
} from './shard-plan.js';
import type { ShardInfo } from './shard-state.js';
import { formatStartPosition, type StartPosition } from './start-position.js';
import {
  describeProblem,
  type Failing,
  healthOf,
  LIST_ACTION,
  type Lifecycle,
  type Problem,
  readinessOf,
} from './status.js';

export interface KinesisSourceOptions {
  client: KinesisClient;
  /** A stream name, or a stream ARN (starting with `arn:`). */
  stream: string;
  /** Where shards without a position start. */
  startPosition: StartPosition;
  logger: Logger;
  metrics: KinesisMetrics;
  /** Re-list shards this often to find the children of splits and merges; default 60000. */
  shardListIntervalMs?: number;
  /** Wait after a call that found the shard caught up; default 1000. */
  idleDelayMs?: number;
  /** GetRecords Limit; default 1000. */
  maxRecordsPerCall?: number;
  /** health() fails when no reader made progress for this long; default 120000. */
  stallTimeoutMs?: number;
  /** Cap of the exponential backoff, and the delay of slow retries (stream missing, access denied); default 10000. */
  maxBackoffMs?: number;
  /** Shortest time between two GetRecords calls on one shard; default 200 (5 calls/s, the Kinesis limit). */
  minCallIntervalMs?: number;
  /** ListShards MaxResults; default unset (the service's default page size). */
  listShardsPageSize?: number;
}

interface RunningReader {
  readonly reader: ShardReader;
  promise: Promise<void>;
}

export class KinesisSource implements Source {
  readonly description: string;
  readonly #client: KinesisClient;
  readonly #stream: string;
  readonly #startPosition: StartPosition;
  readonly #log: Logger;
  readonly #metrics: KinesisMetrics;
  readonly #lister: ShardLister;
  readonly #shardListIntervalMs: number;
  readonly #idleDelayMs: number;
  readonly #limit: number;
  readonly #stallTimeoutMs: number;
  readonly #maxBackoffMs: number;
  readonly #minCallIntervalMs: number;

  readonly #abort = new AbortController();
  #lifecycle: Lifecycle = 'new';
  #startPromise: Promise<void> | undefined;
  #stopPromise: Promise<void> | undefined;
  #listLoop: Promise<void> | undefined;
  #sink: RecordSink | undefined;

  #checkpointer = new Checkpointer();
  /** Every shard seen in a listing since start, by id (the latest view of it). */
  readonly #known = new Map<string, ShardInfo>();
  /** The latest successful listing. */
  #listing: Map<string, ShardInfo> | undefined;
  #lastListOk = false;
  readonly #readers = new Map<string, RunningReader>();
  /** Shards with at least one successful GetRecords since start (or since the stream was recreated). */
  readonly #everRead = new Set<string>();
  /** Shards to read from TRIM_HORIZON although they have no position (stream recreated, bad position). */
  readonly #forceTrimHorizon = new Set<string>();
  /** Shards whose reading began at the configured start position in this run. */
  readonly #startedFromConfig = new Set<string>();
  /** Why listing the shards fails now, if it does. */
  #streamProblem: Problem | undefined;
  /** Why reading a shard fails now, since when and how often in a row, per shard. */
  readonly #readerProblems = new Map<string, Failing>();
  /** When start() was called, and when a reader last made progress (undefined before the first read). */
  #startedMs = 0;
  #lastProgressMs: number | undefined;
  readonly #listProblems: ProblemLog;
  #wakeListing: (() => void) | undefined;
  #relistRequested = false;

  constructor(options: KinesisSourceOptions) {
    this.#client = options.client;
    this.#stream = options.stream;
    this.description = `Kinesis stream ${options.stream}`;
    this.#startPosition = options.startPosition;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#lister = new ShardLister({
      client: options.client,
      stream: options.stream,
      ...(options.listShardsPageSize === undefined ? {} : { pageSize: options.listShardsPageSize }),
    });
    this.#shardListIntervalMs = options.shardListIntervalMs ?? 60_000;
    this.#idleDelayMs = options.idleDelayMs ?? 1000;
    this.#limit = options.maxRecordsPerCall ?? 1000;
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#minCallIntervalMs = options.minCallIntervalMs ?? 200;
    this.#listProblems = new ProblemLog(
      options.logger.child({ stream: options.stream }),
      'cannot list Kinesis shards',
    );
  }

  checkPosition(position: Json): PositionProblem | undefined {
    return checkPosition(position, this.#stream);
  }

  position(): Json {
    return this.#checkpointer.encode(this.#stream);
  }

  start(sink: RecordSink, position: Json | undefined): Promise<void> {
    if (this.#stopPromise !== undefined) {
      return Promise.reject(new Error('KinesisSource was stopped; create a new one to read again'));
    }
    if (this.#startPromise === undefined) this.#startPromise = this.#start(sink, position);
    return this.#startPromise;
  }

  async #start(sink: RecordSink, position: Json | undefined): Promise<void> {
    this.#lifecycle = 'starting';
    this.#sink = sink;
    this.#checkpointer = new Checkpointer(
      position === undefined ? new Map() : decodePosition(position),
    );
    this.#startedMs = Date.now();
    this.#log.info(
      {
        stream: this.#stream,
        startPosition: formatStartPosition(this.#startPosition),
        shardsWithPosition: this.#checkpointer.size,
      },
      'Kinesis source starting',
    );
    await this.#refresh();
    if (this.#abort.signal.aborted) return;
    this.#lifecycle = 'running';
    this.#listLoop = this.#runListLoop();
  }

  stop(): Promise<void> {
    if (this.#stopPromise === undefined) this.#stopPromise = this.#stop();
    return this.#stopPromise;
  }

  async #stop(): Promise<void> {
    if (this.#lifecycle === 'new') {
      this.#lifecycle = 'stopped';
      return;
    }
    this.#lifecycle = 'stopping';
    this.#abort.abort();
    this.#wakeListing?.();
    await this.#startPromise?.catch(() => undefined);
    await Promise.allSettled([
      this.#listLoop,
      ...[...this.#readers.values()].map((r) => r.promise),
    ]);
    this.#lifecycle = 'stopped';
    this.#metrics.shardsOwned.set(0);
    this.#log.info({ stream: this.#stream }, 'Kinesis source stopped');
  }

  readiness(): Check {
    return readinessOf({
      lifecycle: this.#lifecycle,
      stream: this.#stream,
      streamProblem: this.#streamProblem,
      listing: this.#listing,
      everRead: this.#everRead,
      readerProblems: this.#readerProblems,
      nowMs: Date.now(),
    });
  }

  health(): Check {
    return healthOf({
      lifecycle: this.#lifecycle,
      sinceStartMs: Date.now() - this.#startedMs,
      sinceProgressMs:
        this.#lastProgressMs === undefined ? undefined : Date.now() - this.#lastProgressMs,
      stream: this.#stream,
      listed: this.#listing !== undefined,
      stallTimeoutMs: this.#stallTimeoutMs,
      streamProblem: this.#streamProblem,
      readerProblems: this.#readerProblems,
      nowMs: Date.now(),
    });
  }

  // ---- shard listing -------------------------------------------------------

  async #runListLoop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const delay = this.#lastListOk
        ? this.#shardListIntervalMs
        : Math.min(this.#shardListIntervalMs, this.#maxBackoffMs);
      await this.#listWait(delay);
      if (signal.aborted) break;
      await this.#refresh();
    }
  }

  #listWait(ms: number): Promise<void> {
    if (this.#relistRequested) {
      this.#relistRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const signal = this.#abort.signal;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wakeListing = undefined;
        this.#relistRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wakeListing = done;
    });
  }

  #requestRelist(): void {
    if (this.#wakeListing !== undefined) this.#wakeListing();
    else this.#relistRequested = true;
  }

  /** Lists the shards, notes what changed and starts the readers that may start. */
  async #refresh(): Promise<void> {
    let shards: ShardInfo[];
    try {
      shards = await this.#lister.listShards(this.#abort.signal);
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#lastListOk = false;
      const code = errorCode(err);
      this.#metrics.errors.inc({ operation: 'ListShards', shard_id: '', code });
      const kind = classifyError(err);
      const problem = describeProblem(kind, code, err, LIST_ACTION, this.#stream);
      this.#listProblems.report(kind, err, problem);
      this.#streamProblem = problem;
      return;
    }
    this.#lastListOk = true;
    this.#listProblems.clear('Kinesis shards listed again');
    this.#streamProblem = undefined;
    const listing = new Map<string, ShardInfo>();
    const recreated: string[] = [];
    for (const info of shards) {
      const previous = this.#known.get(info.id);
      if (
        previous?.startingSequenceNumber !== undefined &&
        info.startingSequenceNumber !== undefined &&
        previous.startingSequenceNumber !== info.startingSequenceNumber
      ) {
        recreated.push(info.id);
      }
      this.#known.set(info.id, info);
      listing.set(info.id, info);
    }
    const first = this.#listing === undefined;
    this.#listing = listing;
    if (first) {
      this.#log.info(
        {
          stream: this.#stream,
          shards: listing.size,
          openShards: [...listing.values()].filter((s) => !s.closed).length,
        },
        'Kinesis shards listed',
      );
    }
    if (recreated.length > 0) {
      this.#log.warn(
        { stream: this.#stream, shardIds: recreated },
        'Kinesis shards were created anew (stream deleted and created again); reading them from TRIM_HORIZON',
      );
      for (const id of recreated) {
        this.#everRead.delete(id);
        const running = this.#readers.get(id);
        if (running !== undefined) running.reader.recreated = true;
        else this.#resetIfStale(id);
      }
    }
    for (const { reader } of this.#readers.values()) {
      if (!listing.has(reader.shardId) && !reader.cancelled) {
        reader.cancelled = true;
        this.#log.info(
          { stream: this.#stream, shardId: reader.shardId },
          'shard no longer listed; stop reading it',
        );
      }
    }
    this.#schedule();
  }

  // ---- planning --------------------------------------------------------------

  #planContext(): PlanContext {
    return {
      positions: this.#checkpointer.positions,
      startPosition: this.#startPosition,
      forceTrimHorizon: this.#forceTrimHorizon,
      startedFromConfig: this.#startedFromConfig,
    };
  }

  /** After the stream was recreated: forget a position that belongs to the old shard. */
  #resetIfStale(id: string): boolean {
    const shard = this.#known.get(id);
    const position = this.#checkpointer.positions.get(id);
    if (shard !== undefined && isPositionCurrent(position, shard)) return false;
    this.#checkpointer.forget(id);
    this.#forceTrimHorizon.add(id);
    return true;
  }

  #schedule(): void {
    const listing = this.#listing;
    if (listing === undefined || this.#abort.signal.aborted) return;
    const decisions = planShards(
      listing.values(),
      new Set(this.#readers.keys()),
      this.#planContext(),
    );
    for (const decision of decisions) {
      if (decision.start === undefined) continue;
      if (decision.fromConfig === true) this.#startedFromConfig.add(decision.shard.id);
      this.#startReader(decision.shard, decision.start);
    }
    this.#metrics.shardsOwned.set(this.#readers.size);
  }

  // ---- shard readers ------------------------------------------------------

  readonly #host: ShardReaderHost = {
    startFor: (shardId) => {
      const shard = this.#known.get(shardId);
      if (shard === undefined) return undefined;
      const { start, fromConfig } = startFor(shard, this.#planContext());
      if (fromConfig) this.#startedFromConfig.add(shardId);
      return start;
    },
    resetIfStale: (shardId) => this.#resetIfStale(shardId),
    rejectPosition: (shardId) => {
      this.#checkpointer.forget(shardId);
      this.#forceTrimHorizon.add(shardId);
    },
    received: (shardId, records) => {
      this.#lastProgressMs = Date.now();
      this.#everRead.add(shardId);
      if (records.length > 0) this.#deliver(shardId, records);
    },
    finished: (shardId) => {
      this.#checkpointer.finished(shardId);
      this.#forceTrimHorizon.delete(shardId);
      this.#metrics.shardsFinished.inc();
      this.#log.info({ stream: this.#stream, shardId }, 'shard read to its end');
    },
    problem: (shardId, problem) => {
      if (problem === undefined) {
        this.#readerProblems.delete(shardId);
        return;
      }
      const previous = this.#readerProblems.get(shardId);
      this.#readerProblems.set(shardId, {
        problem,
        sinceMs: previous?.sinceMs ?? Date.now(),
        failures: (previous?.failures ?? 0) + 1,
      });
    },
  };

  #startReader(shard: ShardInfo, start: ShardStart): void {
    const reader = new ShardReader({
      client: this.#client,
      stream: this.#stream,
      shardId: shard.id,
      host: this.#host,
      signal: this.#abort.signal,
      logger: this.#log,
      metrics: this.#metrics,
      limit: this.#limit,
      minCallIntervalMs: this.#minCallIntervalMs,
      idleDelayMs: this.#idleDelayMs,
      maxBackoffMs: this.#maxBackoffMs,
    });
    const running: RunningReader = { reader, promise: Promise.resolve() };
    this.#readers.set(shard.id, running);
    running.promise = reader
      .run(start)
      .catch((err: unknown) => {
        this.#log.error({ stream: this.#stream, shardId: shard.id, err }, 'shard reader failed');
      })
      .finally(() => {
        if (this.#readers.get(shard.id) === running) this.#readers.delete(shard.id);
        this.#readerProblems.delete(shard.id);
        this.#metrics.shardLag.remove({ shard_id: shard.id });
        this.#metrics.shardsOwned.set(this.#readers.size);
        if (!this.#abort.signal.aborted) {
          this.#schedule();
          this.#requestRelist();
        }
      });
  }

  /**
   * Hands a batch to the sink and records its last sequence number in the same
   * synchronous step: from the moment the sink returns, position() includes it.
   */
  #deliver(shardId: string, records: readonly _Record[]): void {
    const batch = records.map((r) => r.Data ?? new Uint8Array(0));
    try {
      this.#sink?.records(batch);
    } catch (err) {
      // A record that cannot be processed must not stop the shard: count, log, move on.
      this.#metrics.errors.inc({ operation: 'onRecords', shard_id: shardId, code: errorCode(err) });
      this.#log.error({ shardId, err, records: batch.length }, 'processing Kinesis records failed');
    }
    const last = records[records.length - 1];
    if (last?.SequenceNumber !== undefined) {
      this.#checkpointer.delivered(shardId, last.SequenceNumber);
    }
    let bytes = 0;
    for (const data of batch) bytes += data.byteLength;
    this.#metrics.recordsRead.inc({ shard_id: shardId }, batch.length);
    this.#metrics.bytesRead.inc({ shard_id: shardId }, bytes);
  }
}
