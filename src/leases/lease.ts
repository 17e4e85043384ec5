/**
 * One lease in DynamoDB, with the Kinesis Client Library's semantics: an item
 * `{ leaseKey, leaseOwner, leaseCounter }` whose counter every holder's write
 * raises, each write conditional on the owner and counter the writer last
 * saw. A waiting replica never compares clocks across hosts: it notes, on its
 * own monotonic clock, when it first saw the current (owner, counter), and
 * takes the lease over only when that pair has not changed for the lease
 * duration; a released lease (no owner) is taken at once.
 *
 * The item also holds the state pointer (src/state/state-pointer.ts): moving
 * it is one more conditional write of the holder, so a deposed holder (paused
 * past the expiry, partitioned) can never name a state, whatever it wrote to
 * S3. Writes of one holder go one after another, so its own renewals never
 * fail its pointer writes.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { explainAwsError } from '../base/aws-error.js';
import { checkPointer, type PointerKeeper, type StatePointer } from '../state/state-pointer.js';

/** What a read of the item shows. */
export interface LeaseView {
  readonly owner: string | undefined;
  readonly counter: number;
}

export interface LeaseOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** The item's key: what is owned (the state location). */
  readonly key: string;
  /** This replica, unique per process. */
  readonly owner: string;
  readonly durationMs: number;
  /** Monotonic milliseconds (tests); performance.now by default. */
  readonly monotonicMs?: () => number;
  /** Logs each pointer move at debug level, with the counter it was made under. */
  readonly logger?: Logger;
}

/** The outcome of one attempt to take the lease. */
export type AcquireResult =
  | { readonly acquired: true; readonly counter: number; readonly from: string | undefined }
  | {
      readonly acquired: false;
      readonly holder: LeaseView;
      /** How long the current holder's (owner, counter) has been seen unchanged, on this replica's clock. */
      readonly unchangedMs: number;
    };

export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException'
  );
}

export class DynamoLease implements PointerKeeper {
  readonly description: string;
  readonly owner: string;
  readonly durationMs: number;
  readonly #o: LeaseOptions;
  readonly #now: () => number;
  /** The counter this replica holds the lease under; undefined when it does not hold it. */
  #held: number | undefined;
  /** When this replica's last conditional write succeeded (monotonic). */
  #confirmedMs = Number.NEGATIVE_INFINITY;
  /** The (owner, counter) a waiting replica watches, and since when (monotonic). */
  #seen: { view: LeaseView; sinceMs: number } | undefined;
  /** Writes of the holder run one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  /** DynamoDB calls made, for the steady-state figure. */
  calls = 0;

  constructor(options: LeaseOptions) {
    this.#o = options;
    this.owner = options.owner;
    this.durationMs = options.durationMs;
    this.#now = options.monotonicMs ?? (() => performance.now());
    this.description = `DynamoDB table ${options.table}, lease ${options.key}`;
  }

  /** The counter held, or undefined. */
  get counter(): number | undefined {
    return this.#held;
  }

  /** Whether this replica holds the lease by its own clock: a write confirmed within the lease duration. */
  holds(): boolean {
    return this.#held !== undefined && this.#now() - this.#confirmedMs < this.durationMs;
  }

  /** Milliseconds since the holder's last confirmed write (this replica's clock). */
  sinceConfirmedMs(): number {
    return this.#now() - this.#confirmedMs;
  }

  /** Checks, before anything is served, that the table can be read. */
  async probe(): Promise<void> {
    try {
      await this.#read();
    } catch (err) {
      throw new Error(
        `cannot read the lease table ${this.#o.table}: ${explainAwsError(err, 'DYNAMODB')}`,
        { cause: err },
      );
    }
  }

  /**
   * One attempt: takes the lease when nobody holds it, or when its holder
   * has not renewed it for the lease duration on this replica's clock.
   */
  async tryAcquire(): Promise<AcquireResult> {
    const item = await this.#read();
    const now = this.#now();
    if (item === undefined) {
      return this.#take(
        {
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        },
        1,
        undefined,
        { owner: undefined, counter: 0 },
      );
    }
    const view: LeaseView = { owner: item.owner, counter: item.counter };
    const seen = this.#seen;
    if (
      seen === undefined ||
      seen.view.owner !== view.owner ||
      seen.view.counter !== view.counter
    ) {
      this.#seen = { view, sinceMs: now };
    }
    const unchangedMs = now - (this.#seen as { sinceMs: number }).sinceMs;
    if (view.owner !== undefined && unchangedMs < this.durationMs) {
      return { acquired: false, holder: view, unchangedMs };
    }
    return this.#take(
      view.owner === undefined
        ? {
            ConditionExpression: 'leaseCounter = :seen AND attribute_not_exists(leaseOwner)',
          }
        : { ConditionExpression: 'leaseCounter = :seen AND leaseOwner = :previous' },
      view.counter + 1,
      view.owner,
      view,
    );
  }

  /** Raises the counter; rejects with LeaseLost when another replica took the lease. */
  renew(): Promise<number> {
    return this.#holderWrite('SET leaseCounter = :next', {});
  }

  /** Gives the lease up (graceful shutdown), so a standby takes it at once. */
  async release(): Promise<void> {
    if (this.#held === undefined) return;
    try {
      await this.#holderWrite('SET leaseCounter = :next REMOVE leaseOwner', {});
    } finally {
      this.#held = undefined;
    }
  }

  async read(): Promise<StatePointer | undefined> {
    const item = await this.#read();
    if (item?.pointer === undefined) return undefined;
    return checkPointer(JSON.parse(item.pointer));
  }

  /** Moves the state pointer, conditionally on still holding the lease under the counter held. */
  async write(pointer: StatePointer | undefined): Promise<void> {
    if (pointer === undefined) {
      await this.#holderWrite('SET leaseCounter = :next REMOVE statePointer', {});
      return;
    }
    await this.#holderWrite('SET leaseCounter = :next, statePointer = :pointer', {
      ':pointer': { S: JSON.stringify(pointer) },
    });
  }

  /** The counter held: above every counter any earlier holder wrote under. */
  async nextSequence(): Promise<number> {
    if (this.#held === undefined) throw new LeaseLost('this replica does not hold the lease');
    return this.#held;
  }

  async #read(): Promise<
    { owner: string | undefined; counter: number; pointer: string | undefined } | undefined
  > {
    this.calls += 1;
    const out = await this.#o.client.send(
      new GetItemCommand({
        TableName: this.#o.table,
        Key: { leaseKey: { S: this.#o.key } },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (item === undefined) return undefined;
    return {
      owner: item.leaseOwner?.S,
      counter: Number(item.leaseCounter?.N ?? '0'),
      pointer: item.statePointer?.S,
    };
  }

  async #take(
    condition: { ConditionExpression: string },
    counter: number,
    from: string | undefined,
    view: LeaseView,
  ): Promise<AcquireResult> {
    const started = this.#now();
    this.calls += 1;
    try {
      if (view.counter === 0 && condition.ConditionExpression.startsWith('attribute_not_exists')) {
        await this.#o.client.send(
          new PutItemCommand({
            TableName: this.#o.table,
            Item: {
              leaseKey: { S: this.#o.key },
              leaseOwner: { S: this.owner },
              leaseCounter: { N: String(counter) },
            },
            ConditionExpression: condition.ConditionExpression,
          }),
        );
      } else {
        await this.#o.client.send(
          new UpdateItemCommand({
            TableName: this.#o.table,
            Key: { leaseKey: { S: this.#o.key } },
            UpdateExpression: 'SET leaseOwner = :me, leaseCounter = :next',
            ConditionExpression: condition.ConditionExpression,
            ExpressionAttributeValues: {
              ':me': { S: this.owner },
              ':next': { N: String(counter) },
              ':seen': { N: String(view.counter) },
              ...(from === undefined ? {} : { ':previous': { S: from } }),
            },
          }),
        );
      }
    } catch (err) {
      if (isConditionFailure(err)) {
        // Another replica was quicker, or the holder renewed: watch the new pair.
        this.#seen = undefined;
        return { acquired: false, holder: view, unchangedMs: 0 };
      }
      throw err;
    }
    this.#held = counter;
    this.#confirmedMs = started;
    this.#seen = undefined;
    return { acquired: true, counter, from };
  }

  #holderWrite(update: string, values: Record<string, { S: string }>): Promise<number> {
    const run = this.#queue.then(async () => {
      const held = this.#held;
      if (held === undefined) throw new LeaseLost('this replica does not hold the lease');
      const started = this.#now();
      this.calls += 1;
      try {
        await this.#o.client.send(
          new UpdateItemCommand({
            TableName: this.#o.table,
            Key: { leaseKey: { S: this.#o.key } },
            UpdateExpression: update,
            ConditionExpression: 'leaseOwner = :me AND leaseCounter = :held',
            ExpressionAttributeValues: {
              ':me': { S: this.owner },
              ':held': { N: String(held) },
              ':next': { N: String(held + 1) },
              ...values,
            },
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) {
          this.#held = undefined;
          throw new LeaseLost(
            `the lease is no longer held under counter ${held}: another replica took it over`,
          );
        }
        throw new Error(`cannot write the lease: ${explainAwsError(err, 'DYNAMODB')}`, {
          cause: err,
        });
      }
      this.#held = held + 1;
      this.#confirmedMs = started;
      if (':pointer' in values) {
        this.#o.logger?.debug({ leaseCounter: held }, 'state pointer moved under the lease');
      }
      return held + 1;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
