/**
 * One record in, every count it implies out: envelope, kind, apply, count.
 * Shared by every source so they count identically; the registry of kinds
 * is the only place it learns which events are read. A record that cannot
 * be used is counted and reported, never thrown.
 */
import { decodeRecord, type EnvelopeResult } from './kinds/envelope.js';
import type { KindState } from './kinds/kind.js';
import { parseTime } from './kinds/parse-time.js';
import type { RecordResult, SelfMetrics } from './metrics/self-metrics.js';

export type { RecordResult };

/**
 * What a command or its source hands the pipeline: a record's bytes (one
 * event), or what became of a record before it could be read as one.
 */
export type PipelineRecord =
  | string
  | Uint8Array
  /** A record its caller decoded already (to read its time first). */
  | {
      readonly type: 'decoded';
      readonly envelope: EnvelopeResult;
      readonly data: string | Uint8Array;
    }
  /** A record too large to be held, skipped by its source: invalid. */
  | { readonly type: 'oversized' }
  /** A record its container already found unusable (a broken subscription record): invalid. */
  | { readonly type: 'unusable'; readonly reason: string; readonly data: string | Uint8Array }
  /** A record that carries no event by design (a CloudWatch Logs CONTROL_MESSAGE): ignored. */
  | { readonly type: 'no-event' };

export interface PipelineOptions {
  /** Wall clock in ms; when given, the delivery lag of each processed event is observed. */
  readonly now?: () => number;
  /** Told of each event a kind processed or found a duplicate of. */
  readonly accepted?: (event: Record<string, unknown>) => void;
  /** Told about each invalid record, with why; the record is already counted. */
  readonly onInvalid?: (reason: string, data: string | Uint8Array) => void;
  /** Called once a kind has applied an event (the series store's expiry runs here). */
  readonly afterEvent?: () => void;
}

export class RecordPipeline {
  /** source → detail-type → the kind's state. */
  readonly #kinds: ReadonlyMap<string, ReadonlyMap<string, KindState>>;
  readonly #self: SelfMetrics;
  readonly #options: PipelineOptions;

  constructor(
    kinds: ReadonlyMap<string, ReadonlyMap<string, KindState>>,
    self: SelfMetrics,
    options: PipelineOptions = {},
  ) {
    this.#kinds = kinds;
    this.#self = self;
    this.#options = options;
  }

  /** The one entry: every record of every command comes in here. */
  handle(record: PipelineRecord): RecordResult {
    if (typeof record === 'string' || record instanceof Uint8Array) {
      return this.#event(decodeRecord(record), record);
    }
    switch (record.type) {
      case 'decoded':
        return this.#event(record.envelope, record.data);
      case 'oversized':
        return this.#unusable('record too large', '');
      case 'unusable':
        return this.#unusable(record.reason, record.data);
      case 'no-event':
        this.#self.counts.records.ignored++;
        return 'ignored';
    }
  }

  #event(envelope: EnvelopeResult, data: string | Uint8Array): RecordResult {
    let result: RecordResult;
    if (!envelope.ok) {
      result = this.#invalid(envelope.reason, data);
    } else {
      const kind = this.#kinds.get(envelope.source)?.get(envelope.detailType);
      if (kind === undefined) {
        result = 'ignored';
      } else {
        const applied = kind.apply(envelope.event);
        this.#options.afterEvent?.();
        if (typeof applied === 'object') {
          result = this.#invalid(applied.invalid, data);
        } else {
          result = applied;
          this.#options.accepted?.(envelope.event);
          const now = this.#options.now;
          const time = envelope.event.time;
          if (result === 'processed' && now !== undefined && typeof time === 'string') {
            const ms = parseTime(time);
            if (Number.isFinite(ms)) {
              this.#self.deliveryLag.observe(Math.max(0, (now() - ms) / 1000));
            }
          }
        }
      }
    }
    this.#self.counts.records[result]++;
    return result;
  }

  #unusable(reason: string, data: string | Uint8Array): RecordResult {
    this.#options.onInvalid?.(reason, data);
    this.#self.counts.records.invalid++;
    return 'invalid';
  }

  #invalid(reason: string, data: string | Uint8Array): RecordResult {
    this.#options.onInvalid?.(reason, data);
    return 'invalid';
  }
}
