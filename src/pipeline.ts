/**
 * One record in, every count it implies out: decode, classify, deduplicate,
 * record. Shared by every source (Kinesis, file replay, the demo) so they
 * count identically. A record that cannot be used is counted and reported,
 * never thrown.
 */
import { decodeRecord } from './events/decode-record.js';
import type { ExporterMetrics, RecordResult } from './metrics/create-metrics.js';
import type { TaskTracker } from './tasks/task-tracker.js';

export type { RecordResult };

export interface PipelineOptions {
  /** Wall clock in ms; when given, the delivery lag of each processed event is observed. */
  readonly now?: () => number;
  /** Told about each invalid record, with why; the record is already counted. */
  readonly onInvalid?: (reason: string, data: string | Uint8Array) => void;
}

export class RecordPipeline {
  readonly #tracker: TaskTracker;
  readonly #metrics: ExporterMetrics;
  readonly #options: PipelineOptions;

  constructor(tracker: TaskTracker, metrics: ExporterMetrics, options: PipelineOptions = {}) {
    this.#tracker = tracker;
    this.#metrics = metrics;
    this.#options = options;
  }

  handle(data: string | Uint8Array): RecordResult {
    const decoded = decodeRecord(data);
    let result: RecordResult;
    if (decoded.kind === 'task') {
      result = this.#tracker.apply(decoded.event, this.#metrics.tasks);
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
    this.#metrics.recordCounts[result]++;
    return result;
  }

  /** A record too large to be held was skipped by its source: counted as invalid. */
  handleOversized(): RecordResult {
    this.#options.onInvalid?.('record too large', '');
    this.#metrics.recordCounts.invalid++;
    return 'invalid';
  }
}
