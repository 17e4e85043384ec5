/**
 * The task stops listed as failures: which stops are failures, the entry a
 * failed stop makes (with its containers' exit codes and reasons), how a
 * saved entry is read back, and its row on the landing page.
 */
import type { FailurePlace, FailureRow } from '../../failure-view.js';
import { clusterConsoleUrl } from '../console-link.js';
import { boundText, type FailureList, placeOf, readEntry, readTexts } from '../recent-failures.js';
import type { StopReasonName } from './stop-reason.js';
import { taskIdOf as arnTaskId } from './task-key.js';

/** Most containers kept per task (a task definition holds at most 10). */
const MAX_CONTAINERS = 16;

export interface RecentContainer {
  readonly name: string;
  /** null when the event has no integer exit code for it. */
  readonly exitCode: number | null;
  readonly reason: string;
}

/** A failed stop, at the event time of the stop. */
export interface RecentTaskFailure extends FailurePlace {
  readonly taskArn: string;
  readonly taskId: string;
  readonly stopCode: string;
  /** The stop reason class (`reason` on ecs_task_stopped_total). */
  readonly reasonClass: string;
  readonly stoppedReason: string;
  readonly containers: readonly RecentContainer[];
}

/** The stop reason classes that mean the task failed, whatever its exit codes. */
const FAILURE_CLASSES: ReadonlySet<string> = new Set<StopReasonName>([
  'image_pull_failed',
  'resource_initialization_failed',
  'out_of_memory',
  'health_check_failed',
  'container_start_failed',
]);

/**
 * Whether a stop is a failure: one of the failure classes, or an essential
 * container's exit with some container's exit code other than 0. (Events do
 * not say which container is essential; an essential container that exits 0
 * while a sidecar is killed with 137 is listed too.)
 */
export function isFailedStop(reasonClass: string, exitCodes: readonly number[]): boolean {
  if (FAILURE_CLASSES.has(reasonClass)) return true;
  return reasonClass === 'essential_container_exited' && exitCodes.some((c) => c !== 0);
}

/** The id a task ARN ends in (task-key.ts reads it), bounded for the list. */
export function taskIdOf(taskArn: string): string {
  return boundText(arnTaskId(taskArn), 128);
}

/** A container list from an event's containers, bounded. */
export function recentContainers(containers: unknown): RecentContainer[] {
  if (!Array.isArray(containers)) return [];
  const out: RecentContainer[] = [];
  for (const c of containers) {
    if (out.length >= MAX_CONTAINERS) break;
    if (c === null || typeof c !== 'object') continue;
    const { name, exitCode, reason } = c as Record<string, unknown>;
    out.push({
      name: boundText(typeof name === 'string' ? name : '', 128),
      exitCode: typeof exitCode === 'number' && Number.isSafeInteger(exitCode) ? exitCode : null,
      reason: typeof reason === 'string' ? boundText(reason) : '',
    });
  }
  return out;
}

const TASK_TEXTS = ['taskArn', 'taskId', 'stopCode', 'reasonClass', 'stoppedReason'] as const;

export function readRecentTask(value: unknown): RecentTaskFailure {
  const { place, texts: t } = readEntry(value, TASK_TEXTS, 'recent task failure');
  const v = value as { containers?: unknown };
  if (!Array.isArray(v.containers)) throw new Error('recent task failure.containers is not a list');
  const containers = v.containers.slice(0, MAX_CONTAINERS).map((c): RecentContainer => {
    const cs = readTexts({ timeMs: null, ...c }, ['name', 'reason'], 'recent container');
    const exitCode = (c as { exitCode?: unknown }).exitCode;
    if (exitCode !== null && !Number.isSafeInteger(exitCode)) {
      throw new Error('recent container.exitCode is not an integer');
    }
    return { name: cs.name, exitCode: exitCode as number | null, reason: cs.reason };
  });
  // In the order the kind builds an entry, so a restored state captures as it was saved.
  return {
    ...place,
    taskArn: t.taskArn,
    taskId: t.taskId,
    stopCode: t.stopCode,
    reasonClass: t.reasonClass,
    stoppedReason: t.stoppedReason,
    containers,
  };
}

/** The task's page in the ECS console of its region, or null when region, cluster or id is unknown. */
export function taskConsoleUrl(region: string, cluster: string, taskId: string): string | null {
  return taskId === ''
    ? null
    : clusterConsoleUrl(region, cluster, `tasks/${encodeURIComponent(taskId)}`);
}

function taskRow(t: RecentTaskFailure): FailureRow {
  const consoleUrl = taskConsoleUrl(t.region, t.cluster, t.taskId);
  const exits = t.containers
    .map((c) => `${c.name}: ${c.exitCode === null ? '–' : c.exitCode}`)
    .join(', ');
  return {
    ...placeOf(t),
    what: t.reasonClass,
    tint: 'class',
    cells: [
      { text: t.cluster },
      { text: t.service },
      { text: t.reasonClass, tint: 'class' },
      { reason: [t.stoppedReason, ...t.containers.map((c) => c.reason)] },
      { text: exits },
      { text: t.stopCode },
      { code: t.taskId, href: consoleUrl },
    ],
    json: {
      taskId: t.taskId,
      stopCode: t.stopCode,
      reason: t.reasonClass,
      stoppedReason: t.stoppedReason,
      containers: t.containers,
      consoleUrl,
    },
  };
}

/** Failed tasks: the long list, below the counts. */
export const TASK_FAILURES: FailureList<RecentTaskFailure, 'tasks'> = {
  name: 'tasks',
  rowClass: 'task',
  columns: [
    ['Cluster', '9ch'],
    ['Service', '10ch'],
    ['Class', '19ch'],
    ['Reason (click for all of it)', 'auto'],
    ['Exit codes', '10ch'],
    ['Stop code', '10ch'],
    ['Task', '8ch'],
  ],
  beside: false,
  keyOf: (entry) => entry.taskArn,
  read: readRecentTask,
  row: taskRow,
};
