/**
 * An event kind: one EventBridge detail-type the exporter reads, as a unit.
 * It owns its decoding, its per-entity identity and deduplication, the facts
 * it emits and its metric families. Kinds are pure: time comes from the
 * events, and their state is plain data that durable state saves.
 */
import type { MetricSpec } from '../metrics/metric-spec.js';
import type { ForgetCause } from '../metrics/self-metrics.js';
import type { SeriesStore } from '../metrics/series-store.js';
import type { EpisodeContext } from '../simulator/episode-context.js';
import type { PlannedEvent, Workload } from '../simulator/task-lifecycle.js';
import type { FailureList, Timed } from './recent-failures.js';

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

export interface KindState<Entry extends Timed = Timed> {
  /** Applies one event of this kind (its envelope already checked). */
  apply(event: Record<string, unknown>): KindResult;
  /** Entities whose identity is tracked now. */
  readonly tracked: number;
  /** Newest event time seen, ms since the epoch; -Infinity before any. */
  readonly newestEventMs: number;
  /** The most recent failures this kind lists (its `failures`), newest first; absent when it lists none. */
  recentFailures?(): readonly Entry[];
  /** The whole state as plain data (JSON-safe). */
  snapshot(): unknown;
  /** Checks saved state; returns what replaces the live state. Throws, changing nothing, when malformed. */
  prepareRestore(data: unknown): () => void;
}

/** An event of a kind as check-pattern judges patterns against it, named for what it shows. */
export interface SampleEvent {
  readonly name: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Fields one event must carry together for a metric to be recorded (a duration's two ends). */
export interface CarriedFields {
  readonly metric: string;
  readonly fields: readonly string[];
}

/** A story of a kind's events for the simulator (a deployment, a rollback, an agent lost, …). */
export interface SimulatedEpisode {
  readonly name: string;
  /** Its weight in a simulated mix; 0 for one planned only when asked for by name. */
  readonly weight: number;
  /** The events of one episode of `workload` from `startMs`, in the order they happen. */
  plan(context: EpisodeContext, startMs: number, workload: Workload): PlannedEvent[];
}

/** A kind; `Entry` and `Name` are those of its failure list, when it keeps one. */
export interface EventKind<Entry extends Timed = Timed, Name extends string = string> {
  /** Key of this kind's state in saved state. */
  readonly name: string;
  readonly source: string;
  readonly detailTypes: readonly string[];
  /** The metric families it records; part of the catalog. */
  readonly metrics: readonly MetricSpec[];
  /**
   * Events of this kind in the shapes ECS sends (every status, stop, …), for
   * check-pattern; reproducible. Computed when asked for.
   */
  samples(): readonly SampleEvent[];
  /** Fields check-pattern must see one event of an entity carry together, per metric. */
  readonly carriedFields?: readonly CarriedFields[];
  /** Its episodes in simulated corpora and the demo. */
  readonly episodes?: readonly SimulatedEpisode[];
  /** Its failures on the landing page and at /api/recent-failures, when it lists any. */
  readonly failures?: FailureList<Entry, Name>;
  create(context: KindContext): KindState<Entry>;
}
