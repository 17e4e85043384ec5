/**
 * Reads every shard of a Kinesis Data Stream with GetRecords, one reader per
 * shard, following splits and merges (a child is read only after each of its
 * parents was read to its end), and checkpoints the last processed sequence
 * number of each shard. AWS errors are logged, counted, backed off and
 * reflected in readiness() and health(); they never reject or crash.
 */
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import {
  type CheckpointStore,
  isSequenceNumber,
  SHARD_END,
} from '../../checkpoints/checkpoint-store.js';
import type { KinesisMetrics } from '../../metrics/kinesis-metrics.js';
import { backoffDelay, classifyError, type ErrorKind, errorCode, errorMessage } from './errors.js';
import { formatStartPosition, type StartPosition } from './start-position.js';

export interface KinesisRecord {
  readonly data: Uint8Array;
  readonly sequenceNumber: string;
  /** ApproximateArrivalTimestamp in ms since the epoch, when Kinesis gave one. */
  readonly arrivalMs: number | undefined;
}

export interface KinesisSourceOptions {
  client: KinesisClient;
  /** A stream name, or a stream ARN (starting with `arn:`). */
  stream: string;
  /** Where shards without a checkpoint start. */
  startPosition: StartPosition;
  checkpoints: CheckpointStore;
  /** Synchronous; once it returns, the records count as processed and may be checkpointed. */
  onRecords(shardId: string, records: readonly KinesisRecord[]): void;
  logger: Logger;
  metrics: KinesisMetrics;
  /** Re-list shards this often to find the children of splits and merges; default 60000. */
  shardListIntervalMs?: number;
  /** Wait after a call that found the shard caught up; default 1000. */
  idleDelayMs?: number;
  /** Save checkpoints this often; default 5000. */
  checkpointIntervalMs?: number;
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

type ShardStart = StartPosition | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

interface ShardInfo {
  readonly id: string;
  readonly parents: readonly string[];
  readonly startingSequenceNumber: string | undefined;
  readonly closed: boolean;
}

interface ReaderState {
  readonly id: string;
  /** The shard left the listing: stop reading it. */
  cancelled: boolean;
  /** The stream was deleted and created again: check the position before the next call. */
  recreated: boolean;
  promise: Promise<void>;
}

interface Problem {
  readonly code: string;
  readonly reason: string;
}

const BACKOFF_BASE_MS = 100;
const LIST_ACTION = 'list the shards of';
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

function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toRecord(record: _Record): KinesisRecord {
  return {
    data: record.Data ?? new Uint8Array(0),
    sequenceNumber: record.SequenceNumber ?? '',
    arrivalMs: record.ApproximateArrivalTimestamp?.getTime(),
  };
}

export class KinesisSource {
  readonly #client: KinesisClient;
  readonly #stream: string;
  readonly #streamParams: { StreamName: string } | { StreamARN: string };
  readonly #isArn: boolean;
  readonly #startPosition: StartPosition;
  readonly #checkpoints: CheckpointStore;
  readonly #onRecords: KinesisSourceOptions['onRecords'];
  readonly #log: Logger;
  readonly #metrics: KinesisMetrics;
  readonly #shardListIntervalMs: number;
  readonly #idleDelayMs: number;
  readonly #checkpointIntervalMs: number;
  readonly #limit: number;
  readonly #stallTimeoutMs: number;
  readonly #maxBackoffMs: number;
  readonly #minCallIntervalMs: number;
  readonly #pageSize: { MaxResults: number } | Record<string, never>;

  readonly #abort = new AbortController();
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  #startPromise: Promise<void> | undefined;
  #stopPromise: Promise<void> | undefined;
  #loops: Promise<void>[] = [];

  /** shardId -> last processed sequence number, or SHARD_END. */
  readonly #positions = new Map<string, string>();
  #dirty = false;
  /** Every shard seen in a listing since start, by id (the latest view of it). */
  readonly #known = new Map<string, ShardInfo>();
  /** The latest successful listing. */
  #listing: Map<string, ShardInfo> | undefined;
  #lastListOk = false;
  readonly #readers = new Map<string, ReaderState>();
  /** Shards with at least one successful GetRecords since start (or since the stream was recreated). */
  readonly #everRead = new Set<string>();
  /** Shards to read from TRIM_HORIZON although they have no checkpoint (stream recreated, bad checkpoint). */
  readonly #forceTrimHorizon = new Set<string>();
  /** Shards whose reading began at the configured start position in this run. */
  readonly #startedFromConfig = new Set<string>();
  /** Why listing the shards fails now, if it does. */
  #streamProblem: Problem | undefined;
  /** Why reading a shard fails now, per shard. */
  readonly #readerProblems = new Map<string, Problem>();
  #lastProgressMs = 0;
  #wakeListing: (() => void) | undefined;
  #relistRequested = false;

  constructor(options: KinesisSourceOptions) {
    this.#client = options.client;
    this.#stream = options.stream;
    this.#isArn = options.stream.startsWith('arn:');
    this.#streamParams = this.#isArn
      ? { StreamARN: options.stream }
      : { StreamName: options.stream };
    this.#startPosition = options.startPosition;
    this.#checkpoints = options.checkpoints;
    this.#onRecords = options.onRecords;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#shardListIntervalMs = options.shardListIntervalMs ?? 60_000;
    this.#idleDelayMs = options.idleDelayMs ?? 1000;
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? 5000;
    this.#limit = options.maxRecordsPerCall ?? 1000;
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#minCallIntervalMs = options.minCallIntervalMs ?? 200;
    this.#pageSize =
      options.listShardsPageSize === undefined ? {} : { MaxResults: options.listShardsPageSize };
  }

  start(): Promise<void> {
    if (this.#stopPromise !== undefined) {
      return Promise.reject(new Error('KinesisSource was stopped; create a new one to read again'));
    }
    if (this.#startPromise === undefined) this.#startPromise = this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const loaded = await this.#checkpoints.load();
    for (const [shardId, position] of loaded) this.#positions.set(shardId, position);
    const now = Date.now();
    this.#lastProgressMs = now;
    this.#metrics.checkpointCurrent(now);
    this.#log.info(
      {
        stream: this.#stream,
        startPosition: formatStartPosition(this.#startPosition),
        checkpoints: this.#checkpoints.description,
        checkpointedShards: loaded.size,
      },
      'Kinesis source starting',
    );
    if (this.#abort.signal.aborted) return;
    await this.#refresh();
    if (this.#abort.signal.aborted) return;
    this.#state = 'running';
    this.#loops.push(this.#listLoop(), this.#checkpointLoop());
  }

  stop(): Promise<void> {
    if (this.#stopPromise === undefined) this.#stopPromise = this.#stop();
    return this.#stopPromise;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.#abort.abort();
    this.#wakeListing?.();
    await this.#startPromise?.catch(() => undefined);
    await Promise.allSettled([
      ...this.#loops,
      ...[...this.#readers.values()].map((r) => r.promise),
    ]);
    await this.#checkpoint();
    this.#state = 'stopped';
    this.#metrics.shardsOwned.set(0);
    this.#log.info({ stream: this.#stream }, 'Kinesis source stopped');
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.#state === 'new') return { ready: false, reason: 'Kinesis source not started' };
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      return { ready: false, reason: 'Kinesis source stopped' };
    }
    if (this.#streamProblem !== undefined)
      return { ready: false, reason: this.#streamProblem.reason };
    if (this.#listing === undefined) {
      return { ready: false, reason: `shards of stream ${this.#stream} not listed yet` };
    }
    const open = [...this.#listing.values()].filter((s) => !s.closed);
    if (open.length === 0) {
      return { ready: false, reason: `stream ${this.#stream} has no open shards (yet)` };
    }
    const pending = open.filter((s) => !this.#everRead.has(s.id));
    if (pending.length > 0) {
      const problems = pending
        .map((s) => this.#readerProblems.get(s.id))
        .filter((p): p is Problem => p !== undefined);
      const ids = pending.map((s) => s.id);
      const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', ...' : '');
      const why = problems.length > 0 ? `; ${problems[0]?.reason}` : '';
      return {
        ready: false,
        reason: `${pending.length} of ${open.length} open shards of stream ${this.#stream} not read yet (${shown})${why}`,
      };
    }
    return {
      ready: true,
      reason: `all ${open.length} open shards of stream ${this.#stream} read`,
    };
  }

  health(): { healthy: boolean; reason: string } {
    if (this.#state === 'new') return { healthy: false, reason: 'Kinesis source not started' };
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      return { healthy: false, reason: 'Kinesis source stopped' };
    }
    const since = Date.now() - this.#lastProgressMs;
    if (since <= this.#stallTimeoutMs) {
      return { healthy: true, reason: `a shard reader made progress ${since} ms ago` };
    }
    const problem = this.#streamProblem ?? [...this.#readerProblems.values()][0];
    return {
      healthy: false,
      reason:
        `no shard reader made progress for ${Math.round(since / 1000)} s (stall timeout ${Math.round(this.#stallTimeoutMs / 1000)} s)` +
        (problem === undefined ? '' : `; ${problem.reason}`),
    };
  }

  // ---- shard listing -------------------------------------------------------

  async #listLoop(): Promise<void> {
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

  async #listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const input: ListShardsCommandInput =
        nextToken === undefined
          ? { ...this.#streamParams, ...this.#pageSize }
          : { NextToken: nextToken, ...this.#pageSize };
      const out = await this.#client.send(new ListShardsCommand(input), {
        abortSignal: this.#abort.signal,
      });
      shards.push(...(out.Shards ?? []));
      nextToken = out.NextToken;
    } while (nextToken !== undefined && nextToken.length > 0);
    return shards;
  }

  /** Lists the shards, notes what changed and starts the readers that may start. */
  async #refresh(): Promise<void> {
    let shards: Shard[];
    try {
      shards = await this.#listShards();
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#lastListOk = false;
      const code = errorCode(err);
      this.#metrics.errors.inc({ operation: 'ListShards', shard_id: '', code });
      const problem = this.#describe(classifyError(err), code, err, LIST_ACTION);
      if (this.#streamProblem?.code !== code) {
        this.#log.error({ stream: this.#stream, code, err }, 'cannot list Kinesis shards');
      }
      this.#streamProblem = problem;
      return;
    }
    this.#lastListOk = true;
    if (this.#streamProblem !== undefined) {
      this.#log.info(
        { stream: this.#stream, previousCode: this.#streamProblem.code },
        'Kinesis shards listed again',
      );
      this.#streamProblem = undefined;
    }
    const listing = new Map<string, ShardInfo>();
    const recreated: string[] = [];
    for (const shard of shards) {
      const info = toShardInfo(shard);
      if (info === undefined) continue;
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
        const reader = this.#readers.get(id);
        if (reader !== undefined) reader.recreated = true;
        else this.#resetIfStale(id);
      }
    }
    for (const reader of this.#readers.values()) {
      if (!listing.has(reader.id) && !reader.cancelled) {
        reader.cancelled = true;
        this.#log.info(
          { stream: this.#stream, shardId: reader.id },
          'shard no longer listed; stop reading it',
        );
      }
    }
    this.#schedule();
  }

  /** After the stream was recreated: forget a position that belongs to the old shard. */
  #resetIfStale(id: string): void {
    const position = this.#positions.get(id);
    const start = this.#known.get(id)?.startingSequenceNumber;
    const current =
      position !== undefined &&
      isSequenceNumber(position) &&
      start !== undefined &&
      isSequenceNumber(start) &&
      compareSequence(position, start) >= 0;
    if (current) return;
    if (position !== undefined) {
      this.#positions.delete(id);
      this.#dirty = true;
    }
    this.#forceTrimHorizon.add(id);
  }

  /** Whether a shard needs reading at all (a closed shard without history is skipped under LATEST). */
  #shouldRead(shard: ShardInfo): boolean {
    const position = this.#positions.get(shard.id);
    if (position === SHARD_END) return false;
    if (position !== undefined || this.#forceTrimHorizon.has(shard.id)) return true;
    if (!shard.closed) return true;
    if (shard.parents.some((p) => this.#positions.get(p) === SHARD_END)) return true;
    return this.#startPosition.type !== 'LATEST';
  }

  /** A parent still listed that will be or is being read, and is not at its end yet. */
  #blockingParents(shard: ShardInfo): string[] {
    const listing = this.#listing;
    return shard.parents.filter((p) => {
      if (this.#readers.has(p)) return true;
      const parent = listing?.get(p);
      return parent !== undefined && this.#shouldRead(parent);
    });
  }

  #schedule(): void {
    const listing = this.#listing;
    if (listing === undefined || this.#abort.signal.aborted) return;
    for (const shard of listing.values()) {
      if (this.#readers.has(shard.id) || !this.#shouldRead(shard)) continue;
      if (this.#blockingParents(shard).length > 0) continue;
      this.#startReader(shard);
    }
    this.#metrics.shardsOwned.set(this.#readers.size);
  }

  #startFor(shard: ShardInfo): ShardStart {
    const position = this.#positions.get(shard.id);
    if (position !== undefined && isSequenceNumber(position)) {
      return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: position };
    }
    if (this.#forceTrimHorizon.has(shard.id)) return { type: 'TRIM_HORIZON' };
    const finishedParents = shard.parents.filter((p) => this.#positions.get(p) === SHARD_END);
    if (finishedParents.length > 0) {
      // Every record of a child came after its parents' ends, which were read: start at its
      // beginning, except when the parents themselves started at the configured timestamp.
      if (
        this.#startPosition.type === 'AT_TIMESTAMP' &&
        finishedParents.every((p) => this.#startedFromConfig.has(p))
      ) {
        this.#startedFromConfig.add(shard.id);
        return this.#startPosition;
      }
      return { type: 'TRIM_HORIZON' };
    }
    this.#startedFromConfig.add(shard.id);
    return this.#startPosition;
  }

  // ---- shard readers ------------------------------------------------------

  #startReader(shard: ShardInfo): void {
    const reader: ReaderState = {
      id: shard.id,
      cancelled: false,
      recreated: false,
      promise: Promise.resolve(),
    };
    this.#readers.set(shard.id, reader);
    reader.promise = this.#runReader(reader)
      .catch((err: unknown) => {
        this.#log.error({ stream: this.#stream, shardId: shard.id, err }, 'shard reader failed');
      })
      .finally(() => {
        if (this.#readers.get(shard.id) === reader) this.#readers.delete(shard.id);
        this.#readerProblems.delete(shard.id);
        this.#metrics.shardLag.remove({ shard_id: shard.id });
        this.#metrics.shardsOwned.set(this.#readers.size);
        if (!this.#abort.signal.aborted) {
          this.#schedule();
          this.#requestRelist();
        }
      });
  }

  async #getIterator(shardId: string, start: ShardStart): Promise<string | undefined> {
    const input: GetShardIteratorCommandInput = {
      ...this.#streamParams,
      ShardId: shardId,
      ShardIteratorType: start.type,
    };
    if (start.type === 'AFTER_SEQUENCE_NUMBER') input.StartingSequenceNumber = start.sequenceNumber;
    if (start.type === 'AT_TIMESTAMP') input.Timestamp = start.timestamp;
    const out = await this.#client.send(new GetShardIteratorCommand(input), {
      abortSignal: this.#abort.signal,
    });
    return out.ShardIterator;
  }

  async #runReader(reader: ReaderState): Promise<void> {
    const signal = this.#abort.signal;
    const shardId = reader.id;
    const log = this.#log.child({ shardId });
    let iterator: string | undefined;
    let attempt = 0;
    let lastCallMs = 0;
    let problemCode: string | undefined;
    let latestAnchor: Date | undefined;

    const onError = (operation: string, err: unknown): ErrorKind => {
      const code = errorCode(err);
      const kind = classifyError(err);
      this.#metrics.errors.inc({ operation, shard_id: shardId, code });
      const verb = operation === 'GetRecords' ? 'read' : 'get an iterator for';
      if (kind !== 'expired-iterator') {
        this.#readerProblems.set(
          shardId,
          this.#describe(kind, code, err, `${verb} shard ${shardId} of`),
        );
      }
      if (problemCode !== code) {
        problemCode = code;
        if (kind === 'throttled')
          log.warn({ operation, code, err }, 'Kinesis call throttled; backing off');
        else if (kind === 'expired-iterator')
          log.info({ operation, code }, 'shard iterator expired; getting a new one');
        else log.error({ operation, code, err }, 'Kinesis call failed');
      }
      return kind;
    };

    const onSuccess = (): void => {
      if (problemCode !== undefined) {
        log.info({ previousCode: problemCode }, 'Kinesis calls succeed again');
        problemCode = undefined;
      }
      this.#readerProblems.delete(shardId);
      attempt = 0;
    };

    while (!signal.aborted && !reader.cancelled) {
      if (reader.recreated) {
        reader.recreated = false;
        this.#resetIfStale(shardId);
        if (!this.#positions.has(shardId)) iterator = undefined;
      }
      if (iterator === undefined) {
        const shard = this.#known.get(shardId);
        if (shard === undefined) return;
        let start = this.#startFor(shard);
        if (start.type === 'LATEST') {
          // A second LATEST (after an expired iterator, before any record) would skip what
          // arrived meanwhile: go back to when the first one was asked for, with a margin.
          if (latestAnchor === undefined) latestAnchor = new Date(Date.now() - LATEST_MARGIN_MS);
          else start = { type: 'AT_TIMESTAMP', timestamp: latestAnchor };
        }
        try {
          iterator = await this.#getIterator(shardId, start);
        } catch (err) {
          if (signal.aborted) break;
          const kind = onError('GetShardIterator', err);
          if (kind === 'invalid-argument' && start.type === 'AFTER_SEQUENCE_NUMBER') {
            log.error(
              { sequenceNumber: start.sequenceNumber, err },
              'checkpointed position is not valid for this shard; reading it from TRIM_HORIZON',
            );
            this.#positions.delete(shardId);
            this.#dirty = true;
            this.#forceTrimHorizon.add(shardId);
            continue;
          }
          await sleep(this.#retryDelay(kind, attempt), signal);
          attempt += 1;
          continue;
        }
        if (iterator === undefined) {
          // No iterator: the shard is closed and nothing is left after the position.
          this.#finishShard(shardId, log);
          return;
        }
        log.debug({ start: start.type }, 'shard iterator obtained');
      }

      await sleep(lastCallMs + this.#minCallIntervalMs - Date.now(), signal);
      if (signal.aborted || reader.cancelled) break;
      lastCallMs = Date.now();
      let out: GetRecordsCommandOutput;
      try {
        out = await this.#client.send(
          new GetRecordsCommand({
            ShardIterator: iterator,
            Limit: this.#limit,
            ...(this.#isArn ? { StreamARN: this.#stream } : {}),
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

      // The batch in hand is processed even when stop() was called meanwhile.
      onSuccess();
      const now = Date.now();
      this.#lastProgressMs = now;
      this.#everRead.add(shardId);
      this.#metrics.getRecordsCalls.inc({ shard_id: shardId });
      const behind = out.MillisBehindLatest;
      if (behind !== undefined) this.#metrics.shardLag.set({ shard_id: shardId }, behind);
      const records = out.Records ?? [];
      if (records.length > 0) this.#deliver(shardId, records, log);

      if (out.NextShardIterator === undefined || out.NextShardIterator === null) {
        this.#finishShard(shardId, log);
        return;
      }
      iterator = out.NextShardIterator;
      const caughtUp = (behind ?? 0) === 0 && records.length < this.#limit;
      if (caughtUp) await sleep(this.#idleDelayMs, signal);
    }
  }

  #deliver(shardId: string, records: readonly _Record[], log: Logger): void {
    const batch = records.map(toRecord);
    let bytes = 0;
    for (const record of batch) bytes += record.data.byteLength;
    try {
      this.#onRecords(shardId, batch);
    } catch (err) {
      // A record that cannot be processed must not stop the shard: count, log, move on.
      this.#metrics.errors.inc({ operation: 'onRecords', shard_id: shardId, code: errorCode(err) });
      log.error({ err, records: batch.length }, 'processing Kinesis records failed');
    }
    const last = batch[batch.length - 1];
    if (last !== undefined && isSequenceNumber(last.sequenceNumber)) {
      this.#positions.set(shardId, last.sequenceNumber);
      this.#dirty = true;
    }
    this.#metrics.recordsRead.inc({ shard_id: shardId }, batch.length);
    this.#metrics.bytesRead.inc({ shard_id: shardId }, bytes);
  }

  #finishShard(shardId: string, log: Logger): void {
    this.#positions.set(shardId, SHARD_END);
    this.#dirty = true;
    this.#forceTrimHorizon.delete(shardId);
    this.#metrics.shardsFinished.inc();
    log.info({ stream: this.#stream }, 'shard read to its end');
  }

  #retryDelay(kind: ErrorKind, attempt: number): number {
    if (kind === 'not-found' || kind === 'access-denied') return this.#maxBackoffMs;
    return backoffDelay(attempt, BACKOFF_BASE_MS, this.#maxBackoffMs);
  }

  #describe(kind: ErrorKind, code: string, err: unknown, action: string): Problem {
    const stream = this.#stream;
    switch (kind) {
      case 'not-found':
        return {
          code,
          reason:
            action === LIST_ACTION
              ? `stream ${stream} not found (${code}); retrying`
              : `cannot ${action} stream ${stream}: not found (${code}); retrying`,
        };
      case 'access-denied':
        return {
          code,
          reason: `access denied (${code}) to ${action} stream ${stream}: ${errorMessage(err)}`,
        };
      case 'throttled':
        return { code, reason: `throttled (${code}) trying to ${action} stream ${stream}` };
      default:
        return {
          code,
          reason: `cannot ${action} stream ${stream}: ${code}: ${errorMessage(err)}`,
        };
    }
  }

  // ---- checkpoints ----------------------------------------------------------

  async #checkpointLoop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await sleep(this.#checkpointIntervalMs, signal);
      if (signal.aborted) break;
      await this.#checkpoint();
    }
  }

  async #checkpoint(): Promise<void> {
    const now = Date.now();
    if (!this.#dirty) {
      this.#metrics.checkpointCurrent(now);
      return;
    }
    this.#dirty = false;
    const snapshot = new Map(this.#positions);
    try {
      await this.#checkpoints.save(snapshot);
      this.#metrics.checkpointCurrent(now);
      this.#log.debug({ shards: snapshot.size }, 'checkpoint saved');
    } catch (err) {
      this.#dirty = true;
      this.#metrics.errors.inc({ operation: 'SaveCheckpoint', shard_id: '', code: errorCode(err) });
      this.#log.error(
        { checkpoints: this.#checkpoints.description, err },
        'saving checkpoint failed',
      );
    }
  }
}
