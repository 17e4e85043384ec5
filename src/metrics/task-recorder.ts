/**
 * Applies the facts the task tracker reports to the prom-client metrics.
 * The only place where task labels meet metric label sets.
 */
import type { TaskLabels } from '../events/task-event.js';
import type { TaskFactSink } from '../tasks/task-tracker.js';
import type { ExporterMetrics } from './create-metrics.js';

export function createTaskRecorder(metrics: ExporterMetrics): TaskFactSink {
  return {
    transition(labels: TaskLabels, lastStatus: string) {
      metrics.transitions.inc({ ...labels, last_status: lastStatus });
    },
    stopped(labels: TaskLabels, stopCode: string, reason: string) {
      metrics.stopped.inc({ ...labels, stop_code: stopCode, reason });
    },
    imagePull(labels: TaskLabels, seconds: number) {
      metrics.imagePull.observe({ ...labels }, seconds);
    },
    startup(labels: TaskLabels, seconds: number) {
      metrics.startup.observe({ ...labels }, seconds);
    },
    run(labels: TaskLabels, stopCode: string, seconds: number) {
      metrics.run.observe({ ...labels, stop_code: stopCode }, seconds);
    },
    forgotten(cause: 'capacity' | 'retention') {
      metrics.evictions.inc({ cause });
    },
  };
}
