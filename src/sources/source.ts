/**
 * What every source of records is to the rest of the exporter: something that
 * starts after a saved position, hands record batches to a sink, can say
 * where it is, and reports its health. Kinesis and file replay implement it.
 *
 * The exactly-once rule rests on one promise: `sink.records()` is called
 * synchronously, and the position the source reports from `position()`
 * includes a batch from the moment that call returns. Durable state captures
 * `position()` together with the counting state in one synchronous step, so
 * what is saved always agrees: the records after the position were not
 * counted yet.
 */

/** A JSON-safe value: what positions are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A health or readiness verdict with its reason, as /healthz and /readyz show it. */
export interface Check {
  readonly ok: boolean;
  readonly reason: string;
}

/** Where a source hands its records. */
export interface RecordSink {
  /** Counts a batch; synchronous, never throws for bad records. */
  records(batch: readonly (string | Uint8Array)[]): void;
  /** A record too large to hold was skipped by the source: counted as invalid. */
  oversized(): void;
}

/** Why a saved position cannot be used by this source. */
export interface PositionProblem {
  /** `foreign`: a valid position of another stream or file; `malformed`: not a position at all. */
  readonly kind: 'foreign' | 'malformed';
  readonly reason: string;
}

export interface Source {
  /** For logs: what is read, e.g. `Kinesis stream ecs-task-events`. */
  readonly description: string;
  /**
   * Whether `position` (as read back from durable state) is one this source
   * can start after. Called before the saved counting state is restored, so
   * a foreign or broken position restores nothing.
   */
  checkPosition(position: Json): PositionProblem | undefined;
  /**
   * Starts delivering to `sink`, after `position` (a value `position()` gave
   * before, already checked) or from the configured start when undefined.
   * Resolves once reading is under way; remote problems do not reject, they
   * show in `health()` and `readiness()`.
   */
  start(sink: RecordSink, position: Json | undefined): Promise<void>;
  /** Stops reading; once it resolves no batch is delivered any more. */
  stop(): Promise<void>;
  /** Where the source is: after the last batch handed to the sink. Synchronous. */
  position(): Json;
  /** Fails when the source stopped making progress. */
  health(): Check;
  /** Fails until the source reads everything it should. */
  readiness(): Check;
}
