/**
 * The counting state of format 2 files (version 1 of the counting state:
 * task metric values per label set of four task labels) turned into today's,
 * so an exporter upgraded in place keeps its counts and positions. The
 * tracker's part has not changed. Anything malformed is left for the
 * restore to refuse.
 */
import { FOLDED } from '../metrics/metric-spec.js';
import type { HistogramTuple, SeriesTuple } from '../metrics/series-snapshot.js';

const OLD_FOLDED_NAMES: Record<string, string> = {
  transitions: 'ecs_task_state_transitions_total',
  stopped: 'ecs_task_stopped_total',
  imagePull: 'ecs_task_image_pull_duration_seconds',
  startup: 'ecs_task_startup_duration_seconds',
  run: 'ecs_task_run_duration_seconds',
};

interface LegacyLabelSet {
  labels: string[];
  transitions: [string, number][];
  stopped: [string, string, number][];
  pull: HistogramTuple | null;
  startup: HistogramTuple | null;
  run: [string, HistogramTuple][];
}

export function fromLegacyState(data: unknown): unknown {
  const old = data as {
    version?: unknown;
    tracker?: unknown;
    tasks?: LegacyLabelSet[];
    records?: unknown;
    evictions?: unknown;
    folded?: Record<string, number>;
  };
  if (typeof data !== 'object' || data === null || old.version !== 1 || !Array.isArray(old.tasks)) {
    return data;
  }
  try {
    const families: Record<string, SeriesTuple[]> = {
      ecs_task_state_transitions_total: [],
      ecs_task_stopped_total: [],
      ecs_task_image_pull_duration_seconds: [],
      ecs_task_startup_duration_seconds: [],
      ecs_task_run_duration_seconds: [],
    };
    const push = (name: string, tuple: SeriesTuple) => families[name]?.push(tuple);
    for (const set of old.tasks) {
      const base = set.labels;
      const folded = base.every((v) => v === FOLDED);
      for (const [status, n] of set.transitions) {
        push('ecs_task_state_transitions_total', [[...base, status], folded, n]);
      }
      for (const [code, reason, n] of set.stopped) {
        push('ecs_task_stopped_total', [[...base, code, reason], folded, n]);
      }
      if (set.pull) push('ecs_task_image_pull_duration_seconds', [[...base], folded, set.pull]);
      if (set.startup) push('ecs_task_startup_duration_seconds', [[...base], folded, set.startup]);
      for (const [code, h] of set.run) {
        push('ecs_task_run_duration_seconds', [[...base, code], folded, h]);
      }
    }
    const folded: Record<string, number> = {};
    for (const [name, n] of Object.entries(old.folded ?? {})) {
      folded[OLD_FOLDED_NAMES[name] ?? name] = n;
    }
    return {
      kinds: { 'task-state-change': old.tracker },
      series: { families, bounds: {} },
      self: { records: old.records, evictions: old.evictions, folded },
    };
  } catch {
    return data;
  }
}
