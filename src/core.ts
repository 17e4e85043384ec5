/**
 * The exporter's state and counting, without any source or server: tracker,
 * metrics on a fresh registry, and the record pipeline. Cheap to import, so
 * replay and the benchmark do not pay for the HTTP stack.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createMetrics, type ExporterMetrics } from './metrics/create-metrics.js';
import { RecordPipeline } from './pipeline.js';
import { TaskTracker } from './tasks/task-tracker.js';

export function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export interface Core {
  readonly registry: Registry;
  readonly tracker: TaskTracker;
  readonly metrics: ExporterMetrics;
  readonly pipeline: RecordPipeline;
}

/** Tracker, metrics and pipeline on a fresh registry. `live` adds build info and delivery lag. */
export function createCore(config: Config, logger: Logger, live: boolean): Core {
  const registry = new Registry();
  const tracker = new TaskTracker({
    maxTrackedTasks: config.maxTrackedTasks,
    stoppedRetentionMs: config.stoppedTaskRetentionMs,
  });
  const metrics = createMetrics(
    registry,
    {
      newestEventMs: () => tracker.newestEventMs,
      trackedTasks: () => tracker.size,
      trackedTasksLimit: () => config.maxTrackedTasks,
    },
    {
      maxSeriesPerMetric: config.maxSeriesPerMetric,
      ...(live ? { build: { version: packageVersion(), nodejsVersion: process.version } } : {}),
    },
  );
  let invalidLogged = 0;
  const pipeline = new RecordPipeline(tracker, metrics, {
    ...(live ? { now: Date.now } : {}),
    onInvalid: (reason, data) => {
      // Every invalid record is counted; the log keeps a sample so a flood cannot drown it.
      invalidLogged++;
      if (invalidLogged <= 100 || invalidLogged % 1000 === 0) {
        const sample = typeof data === 'string' ? data.slice(0, 200) : `${data.byteLength} bytes`;
        logger.warn({ reason, sample, invalidSeen: invalidLogged }, 'invalid record skipped');
      }
    },
  });
  return { registry, tracker, metrics, pipeline };
}
