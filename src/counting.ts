/**
 * The exporter's counting, without any source or server: the event kinds of
 * the registry, the series store they record into, the self metrics on a
 * fresh registry, and the record pipeline. Cheap to import, so replay does
 * not pay for the HTTP stack or the AWS SDK.
 */
import type { Logger } from 'pino';
import type { FailureListView } from './failure-view.js';
import { createFreshness } from './kinds/freshness.js';
import type { EventKind, KindState } from './kinds/kind.js';
import { EVENT_LABELS } from './kinds/labels.js';
import {
  DEFAULT_RECENT_FAILURES,
  failurePage,
  type RecentFailureLists,
  recentFailureLists,
} from './kinds/recent-failures.js';
import { EVENT_KINDS, eventMetricsOf } from './kinds/registry.js';
import { DEFAULT_STOPPED_RETENTION_MS } from './kinds/task-state-change/tracker.js';
import { type ExpositionFormat, expositionText, renderExposition } from './metrics/exposition.js';
import { MetricRegistry } from './metrics/metric-registry.js';
import { createSelfMetrics, type LiveMetrics, type SelfMetrics } from './metrics/self-metrics.js';
import { DEFAULT_SERIES_IDLE_EXPIRY_MS } from './metrics/series-lifecycle.js';
import { SeriesStore } from './metrics/series-store.js';
import { RecordPipeline } from './pipeline.js';
import { isGzip, unpackSubscriptionRecord } from './records/logs-subscription.js';
import type { RecordSink } from './sources/source.js';

export interface CountingOptions {
  readonly maxTrackedTasks: number;
  /** Undefined: 24 h of event time. */
  readonly stoppedTaskRetentionMs: number | undefined;
  readonly maxSeriesPerMetric: number;
  /** Event time a workload may stay idle before its series go; 14 days when absent. */
  readonly seriesIdleExpiryMs?: number | undefined;
  /** Most recent failures listed per list; DEFAULT_RECENT_FAILURES when absent. */
  readonly recentFailures?: number;
}

export interface Counting {
  readonly registry: MetricRegistry;
  readonly store: SeriesStore;
  /** Each kind's state, by kind name. */
  readonly kinds: ReadonlyMap<string, KindState>;
  readonly self: SelfMetrics;
  readonly pipeline: RecordPipeline;
  /** Where a source hands its batches: each record through the pipeline. */
  readonly sink: RecordSink;
  /** Entities tracked now, over every kind. */
  tracked(): number;
  /** Each listing kind's most recent failures by list name, newest first (live values). */
  recentFailures(): RecentFailureLists<typeof EVENT_KINDS>;
  /** The same as the failures page shows them. */
  failurePage(): FailureListView[];
  /** Every metric on the registry as chunks of UTF-8, rendered in slices (metrics/exposition.ts). */
  render(
    format: ExpositionFormat,
    onChunk?: (chunk: Buffer) => void,
    keepChunks?: boolean,
  ): Promise<Buffer[]>;
  /**
   * Changes whenever what a render shows does, the self metrics read at
   * render time aside: the saves published, or (without durable state) the
   * records counted.
   */
  shownVersion(): string;
  /** Every metric on the registry as one string. */
  exposition(format?: ExpositionFormat): Promise<string>;
}

/**
 * Kinds, store, metrics and pipeline on a fresh registry. `live` (a serving
 * command) adds process metrics and build info, and observes delivery lag.
 * `eventKinds` are the registry's unless a test adds its own.
 */
export function createCounting(
  options: CountingOptions,
  logger: Logger,
  live: LiveMetrics | undefined,
  eventKinds: readonly EventKind[] = EVENT_KINDS,
): Counting {
  const registry = new MetricRegistry();
  let self: SelfMetrics | undefined;
  const retentionMs = options.stoppedTaskRetentionMs ?? DEFAULT_STOPPED_RETENTION_MS;
  const wantedIdleMs = options.seriesIdleExpiryMs ?? DEFAULT_SERIES_IDLE_EXPIRY_MS;
  if (wantedIdleMs < retentionMs) {
    logger.info(
      { seriesIdleExpiryHours: retentionMs / 3_600_000 },
      'series idle expiry raised to the stopped-task retention',
    );
  }
  const store = new SeriesStore(eventMetricsOf(eventKinds), {
    labels: EVENT_LABELS,
    maxSeriesPerMetric: options.maxSeriesPerMetric,
    folded: (metric) => {
      const folded = (self as SelfMetrics).counts.folded;
      folded[metric] = (folded[metric] ?? 0) + 1;
    },
    // Never below the stopped-task retention (the stream's, in `run`):
    // a workload's series outlive the state of its tasks.
    idleExpiryMs: Math.max(wantedIdleMs, retentionMs),
    expired: (metric, n) => {
      const expired = (self as SelfMetrics).counts.expired;
      expired[metric] = (expired[metric] ?? 0) + n;
    },
    shed: (metric) => {
      const shed = (self as SelfMetrics).counts.shed;
      shed[metric] = (shed[metric] ?? 0) + 1;
    },
  });
  const kinds = new Map<string, KindState>();
  const bySource = new Map<string, Map<string, KindState>>();
  for (const kind of eventKinds) {
    const state = kind.create({
      store,
      maxTrackedTasks: options.maxTrackedTasks,
      stoppedRetentionMs: options.stoppedTaskRetentionMs ?? DEFAULT_STOPPED_RETENTION_MS,
      recentFailures: options.recentFailures ?? DEFAULT_RECENT_FAILURES,
      forgotten: (cause) => {
        (self as SelfMetrics).counts.evictions[cause]++;
      },
    });
    kinds.set(kind.name, state);
    let byType = bySource.get(kind.source);
    if (byType === undefined) {
      byType = new Map();
      bySource.set(kind.source, byType);
    }
    for (const detailType of kind.detailTypes) byType.set(detailType, state);
  }
  const states = [...kinds.values()];
  const tracked = () => states.reduce((n, s) => n + s.tracked, 0);
  self = createSelfMetrics(
    registry,
    store,
    {
      newestEventMs: () => Math.max(...states.map((s) => s.newestEventMs)),
      trackedTasks: tracked,
      trackedTasksLimit: () => options.maxTrackedTasks,
      seriesLimit: () => options.maxSeriesPerMetric,
    },
    live,
  );
  let invalidLogged = 0;
  const pipeline = new RecordPipeline(bySource, self, {
    accepted: createFreshness(store),
    ...(live !== undefined ? { now: Date.now } : {}),
    afterEvent: () => store.expireDue(),
    onInvalid: (reason, data) => {
      // Every invalid record is counted; the log keeps a sample so a flood cannot drown it.
      invalidLogged++;
      if (invalidLogged <= 100 || invalidLogged % 1000 === 0) {
        const sample = typeof data === 'string' ? data.slice(0, 200) : `${data.byteLength} bytes`;
        logger.warn({ reason, sample, invalidSeen: invalidLogged }, 'invalid record skipped');
      }
    },
  });
  const sink: RecordSink = {
    // One Kinesis record may be a CloudWatch Logs subscription message holding
    // many events: all of them are counted here, in the same synchronous call,
    // so they are saved with the position after the record or not at all.
    records: (batch) => {
      for (const record of batch) {
        if (isGzip(record)) handleSubscriptionRecord(pipeline, record);
        else pipeline.handle(record);
      }
    },
    oversized: () => {
      pipeline.handle({ type: 'oversized' });
    },
  };
  return {
    registry,
    store,
    kinds,
    self,
    pipeline,
    sink,
    tracked,
    // Typed by the registry's kinds: a test's own kinds add lists the type does not name.
    recentFailures: () =>
      recentFailureLists(eventKinds, kinds) as RecentFailureLists<typeof EVENT_KINDS>,
    failurePage: () => failurePage(eventKinds, kinds),
    render: (format, onChunk, keepChunks = true) =>
      renderExposition(registry, store, format, {
        keepChunks,
        ...(onChunk === undefined ? {} : { onChunk }),
      }),
    exposition: (format) => expositionText(registry, store, format),
    shownVersion: () => {
      if (self.published !== undefined) return `saved ${store.publications}`;
      const { processed, duplicate, invalid, ignored } = self.counts.records;
      return `live ${processed + duplicate + invalid + ignored}`;
    },
  };
}

/**
 * Each log event of a subscription DATA_MESSAGE is one record for counting
 * (`records_total` counts events, not Kinesis records); a CONTROL_MESSAGE is
 * one `ignored` record; a gzip record that is not a subscription message is
 * one `invalid` record.
 */
function handleSubscriptionRecord(pipeline: RecordPipeline, record: Uint8Array): void {
  const unpacked = unpackSubscriptionRecord(record);
  if (unpacked.type === 'control') pipeline.handle({ type: 'no-event' });
  else if (unpacked.type === 'invalid') {
    pipeline.handle({ type: 'unusable', reason: unpacked.reason, data: record });
  } else {
    for (const message of unpacked.messages) {
      if (typeof message === 'string') pipeline.handle(message);
      else {
        pipeline.handle({
          type: 'unusable',
          reason: 'subscription log event without a message string',
          data: record,
        });
      }
    }
  }
}
