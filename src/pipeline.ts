/**
 * One record in, every count it implies out: decode, classify, deduplicate,
 * record. Shared by every source (Kinesis, file replay, the demo) so they
 * count identically. A record that cannot be used is counted and reported,
 * never thrown.
 */
import { decodeRecord } from './events/decode-record.js';
import type { ExporterMetrics } from './metrics/create-metrics.js';
import { createTaskRecorder } from './metrics/task-recorder.js';
import type { TaskFactSink, TaskTracker } from './tasks/task-tracker.js';

export type RecordResult = 'processed' | 'duplicate' | 'invalid' | 'ignored';

export interface PipelineOptions {
  /** Wall clock in ms; when given, the delivery lag of each processed event is observed. */
  readonly now?: () => number;
  /** Told about each invalid record, with why; the record is already counted. */
  readonly onInvalid?: (reason: string, data: string | Uint8Array) => void;
}

export class RecordPipeline {
  readonly #tracker: TaskTracker;
  readonly #metrics: ExporterMetrics;
  readonly #sink: TaskFactSink;
  readonly #options: PipelineOptions;
  readonly #counted: Record<RecordResult, { inc(): void }>;

  constructor(tracker: TaskTracker, metrics: ExporterMetrics, options: PipelineOptions = {}) {
    this.#tracker = tracker;
    this.#metrics = metrics;
    this.#sink = createTaskRecorder(metrics);
    this.#options = options;
    this.#counted = {
      processed: metrics.records.labels({ result: 'processed' }),
      duplicate: metrics.records.labels({ result: 'duplicate' }),
      invalid: metrics.records.labels({ result: 'invalid' }),
      ignored: metrics.records.labels({ result: 'ignored' }),
    };
  }

  handle(data: string | Uint8Array): RecordResult {
    const decoded = decodeRecord(data);
    let result: RecordResult;
    if (decoded.kind === 'task') {
      result = this.#tracker.apply(decoded.event, this.#sink);
      const now = this.#options.now;
      if (result === 'processed' && now !== undefined && Number.isFinite(decoded.event.timeMs)) {
        this.#metrics.deliveryLag.observe(Math.max(0, (now() - decoded.event.timeMs) / 1000));
      }
    } else if (decoded.kind === 'ignored') {
      result = 'ignored';
    } else {
      result = 'invalid';
      this.#options.onInvalid?.(decoded.reason, data);
    }
    this.#counted[result].inc();
    return result;
  }

  /** A record too large to be held was skipped by its source: counted as invalid. */
  handleOversized(): RecordResult {
    this.#options.onInvalid?.('record too large', '');
    this.#counted.invalid.inc();
    return 'invalid';
  }
}
