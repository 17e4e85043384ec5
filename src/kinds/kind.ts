/**
 * An event kind: one EventBridge detail-type the exporter reads, as a unit.
 * It owns its decoding, its per-entity identity and deduplication, the facts
 * it emits and its metric families. Kinds are pure: time comes from the
 * events, and their state is plain data that durable state saves.
 */
import type { MetricSpec } from '../metrics/metric-spec.js';
import type { ForgetCause } from '../metrics/self-metrics.js';
import type { SeriesStore } from '../metrics/series-store.js';
import type { RecentDeploymentFailure, RecentTaskFailure } from './recent-failures.js';

/** Why tracked state was dropped: the exporter's `cause` label, its self metrics' to say. */
export { FORGET_CAUSES, type ForgetCause } from '../metrics/self-metrics.js';

export interface KindContext {
  /** Where the kind records its facts. */
  readonly store: SeriesStore;
  readonly maxTrackedTasks: number;
  readonly stoppedRetentionMs: number;
  /** Most recent failures listed (recent-failures.ts), per list. */
  readonly recentFailures: number;
  /** Told of each tracked entity dropped. */
  forgotten(cause: ForgetCause): void;
}

/** What became of one event of a kind. */
export type KindResult = 'processed' | 'duplicate' | { readonly invalid: string };

export interface KindState {
  /** Applies one event of this kind (its envelope already checked). */
  apply(event: Record<string, unknown>): KindResult;
  /** Entities whose identity is tracked now. */
  readonly tracked: number;
  /** Newest event time seen, ms since the epoch; -Infinity before any. */
  readonly newestEventMs: number;
  /** The most recent failures this kind lists, newest first; absent when it lists none. */
  recentFailures?(): RecentFailures;
  /** The whole state as plain data (JSON-safe). */
  snapshot(): unknown;
  /** Checks saved state; returns what replaces the live state. Throws, changing nothing, when malformed. */
  prepareRestore(data: unknown): () => void;
}

/** Failures behind the counts, as plain data for the landing page. */
export interface RecentFailures {
  readonly tasks?: readonly RecentTaskFailure[];
  readonly deployments?: readonly RecentDeploymentFailure[];
}

export interface EventKind {
  /** Key of this kind's state in saved state. */
  readonly name: string;
  readonly source: string;
  readonly detailTypes: readonly string[];
  /** The metric families it records; part of the catalog. */
  readonly metrics: readonly MetricSpec[];
  create(context: KindContext): KindState;
}
