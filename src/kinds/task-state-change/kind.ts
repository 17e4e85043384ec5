/**
 * "ECS Task State Change": tasks deduplicated per (taskArn, version), each
 * status, stop and duration counted once per task.
 */
import type { EventKind, KindState } from '../kind.js';
import { decodeTaskEvent } from './decode.js';
import { TASK_EVENT_DETAIL_TYPE } from './task-event.js';
import { TaskLabelInterner } from './task-labels.js';
import { TASK_METRICS, taskMetricsSink } from './task-metrics.js';
import { TaskTracker } from './tracker.js';

export const TASK_STATE_CHANGE: EventKind = {
  name: 'task-state-change',
  source: 'aws.ecs',
  detailTypes: [TASK_EVENT_DETAIL_TYPE],
  metrics: TASK_METRICS,
  create(context): KindState {
    const tracker = new TaskTracker({
      maxTrackedTasks: context.maxTrackedTasks,
      stoppedRetentionMs: context.stoppedRetentionMs,
      forgotten: context.forgotten,
    });
    const sink = taskMetricsSink(context.store);
    const interner = new TaskLabelInterner();
    return {
      apply(event) {
        const decoded = decodeTaskEvent(event, interner);
        if (!decoded.ok) return { invalid: decoded.reason };
        return tracker.apply(decoded.event, sink);
      },
      get tracked() {
        return tracker.size;
      },
      get newestEventMs() {
        return tracker.newestEventMs;
      },
      snapshot: () => tracker.snapshot(),
      prepareRestore: (data) => tracker.prepareRestore(data),
    };
  },
};
