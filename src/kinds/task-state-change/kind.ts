/**
 * "ECS Task State Change": tasks deduplicated per (taskArn, version), each
 * status, stop and duration counted once per task; the most recent failed
 * stops listed with the tasks behind them.
 */
import type { EventKind, KindState } from '../kind.js';
import { boundText, RecentList } from '../recent-failures.js';
import { CARRIED_DURATIONS } from './carried-durations.js';
import { CURRENT_TASK_METRICS, currentSink } from './current-tasks.js';
import { decodeTaskEvent } from './decode.js';
import {
  isFailedStop,
  type RecentTaskFailure,
  recentContainers,
  TASK_FAILURES,
  taskIdOf,
} from './failures.js';
import { taskSamples } from './samples.js';
import { TASK_EVENT_DETAIL_TYPE } from './task-event.js';
import { TaskLabelInterner } from './task-labels.js';
import {
  TASK_METRICS,
  type TaskFactSink,
  taskMetricsSink,
  taskWorkloadHolds,
} from './task-metrics.js';
import { TaskTracker } from './tracker.js';
import type { TrackerSnapshot } from './tracker-snapshot.js';

/** The kind's saved state: the tracker's, and the recent failures (absent in states saved before). */
type TaskKindSnapshot = TrackerSnapshot & { readonly recentFailures?: RecentTaskFailure[] };

export const TASK_STATE_CHANGE: EventKind<RecentTaskFailure, 'tasks'> = {
  name: 'task-state-change',
  source: 'aws.ecs',
  detailTypes: [TASK_EVENT_DETAIL_TYPE],
  metrics: [...TASK_METRICS, ...CURRENT_TASK_METRICS],
  samples: taskSamples,
  carriedFields: CARRIED_DURATIONS,
  failures: TASK_FAILURES,
  create(context): KindState<RecentTaskFailure> {
    const tracker = new TaskTracker({
      maxTrackedTasks: context.maxTrackedTasks,
      stoppedRetentionMs: context.stoppedRetentionMs,
      forgotten: context.forgotten,
      current: currentSink(context.store),
      holds: taskWorkloadHolds(context.store),
    });
    const recent = new RecentList(context.recentFailures, TASK_FAILURES.keyOf);
    const metrics = taskMetricsSink(context.store);
    /** The raw event being applied: its containers are read only when a failed stop is listed. */
    let raw: Record<string, unknown> = {};
    const sink: TaskFactSink = {
      ...metrics,
      stopped(labels, stopCode, reason, event) {
        metrics.stopped(labels, stopCode, reason, event);
        if (
          !isFailedStop(
            reason,
            event.exits.map(([, code]) => code),
          )
        )
          return;
        if (recent.find(event.taskArn) !== undefined) return;
        const [account = '', region = '', cluster = '', service = ''] = labels.values;
        const detail = raw.detail as Record<string, unknown>;
        recent.put({
          timeMs: Number.isFinite(event.timeMs) ? event.timeMs : null,
          account,
          region,
          cluster,
          service,
          taskArn: boundText(event.taskArn),
          taskId: taskIdOf(event.taskArn),
          stopCode,
          reasonClass: reason,
          stoppedReason: boundText(event.stoppedReason ?? ''),
          containers: recentContainers(detail.containers),
        });
      },
    };
    const interner = new TaskLabelInterner();
    return {
      apply(event) {
        const decoded = decodeTaskEvent(event, interner);
        if (!decoded.ok) return { invalid: decoded.reason };
        raw = event;
        // The clock moves before the event's facts are recorded, so they count as of its time.
        context.store.advance(decoded.event.timeMs);
        return tracker.apply(decoded.event, sink);
      },
      get tracked() {
        return tracker.size;
      },
      get newestEventMs() {
        return tracker.newestEventMs;
      },
      recentFailures: () => recent.entries,
      snapshot: (): TaskKindSnapshot => ({
        ...tracker.snapshot(),
        recentFailures: recent.snapshot(),
      }),
      prepareRestore: (data) => {
        const restoreTracker = tracker.prepareRestore(data);
        const restoreRecent = recent.prepareRestore(
          (data as { recentFailures?: unknown }).recentFailures,
          TASK_FAILURES.read,
        );
        return () => {
          restoreTracker();
          restoreRecent();
        };
      },
    };
  },
};
