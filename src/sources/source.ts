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
import type { Check } from '../base/check.js';
import type { Json, Positioned } from '../base/position.js';

/** Where a source hands its records. */
export interface RecordSink {
  /** Counts a batch; synchronous, never throws for bad records. */
  records(batch: readonly (string | Uint8Array)[]): void;
  /** A record too large to hold was skipped by the source: counted as invalid. */
  oversized(): void;
}

export interface Source extends Positioned {
  /** For logs: what is read, e.g. `Kinesis stream ecs-task-events`. */
  readonly description: string;
  /**
   * Starts delivering to `sink`, after `position` (a value `position()` gave
   * before, already checked) or from the configured start when undefined.
   * Resolves once reading is under way; remote problems do not reject, they
   * show in `health()` and `readiness()`.
   */
  start(sink: RecordSink, position: Json | undefined): Promise<void>;
  /** Stops reading; once it resolves no batch is delivered any more. */
  stop(): Promise<void>;
  /** Fails when the source stopped making progress. */
  health(): Check;
  /** Fails until the source reads everything it should. */
  readiness(): Check;
}
