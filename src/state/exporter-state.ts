/**
 * The exporter's counting state as one versioned, JSON-safe value: tracked
 * tasks, task metric values and the record and eviction counts. Saved with
 * the stream positions in one file, so that after a crash the values and the
 * positions agree: what comes after the positions was not yet counted.
 * Restoring checks everything before changing anything.
 */
import type { Core } from '../core.js';
import { EVICTION_CAUSES, RECORD_RESULTS } from '../metrics/create-metrics.js';
import { type LabelSetSnapshot, SERIES_METRICS } from '../metrics/task-metric-store.js';

export const STATE_VERSION = 1;

export interface ExporterState {
  readonly version: typeof STATE_VERSION;
  readonly tracker: unknown;
  readonly tasks: LabelSetSnapshot[];
  readonly records: Record<string, number>;
  readonly evictions: Record<string, number>;
  readonly folded: Record<string, number>;
}

export function captureState(core: Core): ExporterState {
  return {
    version: STATE_VERSION,
    tracker: core.tracker.snapshot(),
    tasks: core.metrics.tasks.snapshot(),
    records: { ...core.metrics.recordCounts },
    evictions: { ...core.metrics.evictionCounts },
    folded: { ...core.metrics.foldedCounts },
  };
}

function counts<K extends string>(
  data: unknown,
  keys: readonly K[],
  what: string,
): Record<K, number> {
  if (typeof data !== 'object' || data === null) throw new Error(`${what} is not an object`);
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(`${what}.${key} is not a count`);
    }
    out[key] = value;
  }
  return out;
}

/** Replaces the core's counting state with `data`; throws, changing nothing, when it is not valid. */
export function restoreState(core: Core, data: unknown): void {
  const state = data as ExporterState;
  if (typeof data !== 'object' || data === null) throw new Error('state is not an object');
  if (state.version !== STATE_VERSION) {
    throw new Error(`state version ${JSON.stringify(state.version)} is not ${STATE_VERSION}`);
  }
  const records = counts(state.records, RECORD_RESULTS, 'records');
  const evictions = counts(state.evictions, EVICTION_CAUSES, 'evictions');
  const folded = counts(state.folded, SERIES_METRICS, 'folded');
  const applyTracker = core.tracker.prepareRestore(state.tracker);
  const applyTasks = core.metrics.tasks.prepareRestore(state.tasks);
  applyTracker();
  applyTasks();
  Object.assign(core.metrics.recordCounts, records);
  Object.assign(core.metrics.evictionCounts, evictions);
  Object.assign(core.metrics.foldedCounts, folded);
}

/**
 * Makes a saved state what scrapes show. Called once a state is on disk (and
 * after a restore), so a served counter never exceeds what a restart would
 * resume from.
 */
export function publishState(core: Core, state: ExporterState): void {
  core.metrics.tasks.publish(state.tasks);
  core.metrics.published.records = counts(state.records, RECORD_RESULTS, 'records');
  core.metrics.published.evictions = counts(state.evictions, EVICTION_CAUSES, 'evictions');
  core.metrics.published.folded = counts(state.folded, SERIES_METRICS, 'folded');
}
