/**
 * Months of workload churn as task state change events, in event-time
 * order: short-lived workloads (a task family per pull request, a few tasks
 * each, never seen again), long-lived services that start and stop tasks
 * every day, and stable services whose one task has run since day 0 and
 * sends nothing after. For the series lifecycle tests and bench.
 */
import { TASK_EVENT_DETAIL_TYPE } from '../../src/kinds/task-state-change/task-event.js';

export interface ChurnOptions {
  readonly days: number;
  /** New short-lived workloads a day. */
  readonly shortPerDay: number;
  /** Tasks of each short-lived workload, all on its day. */
  readonly shortTasks: number;
  readonly longServices: number;
  /** Tasks each long-lived service starts and stops a day. */
  readonly longTasksPerDay: number;
  readonly stableServices: number;
  /** First day, ms since the epoch. */
  readonly startMs?: number;
}

export const CHURN_DEFAULTS: ChurnOptions = {
  days: 120,
  shortPerDay: 40,
  shortTasks: 3,
  longServices: 30,
  longTasksPerDay: 2,
  stableServices: 10,
};

const DAY_MS = 86_400_000;
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

export const shortName = (day: number, k: number) => `pr-${day}-${k}`;
export const longName = (i: number) => `long-${i}`;
export const stableName = (i: number) => `stable-${i}`;

function taskEvent(
  name: string,
  taskId: string,
  atMs: number,
  status: 'RUNNING' | 'STOPPED',
  startedMs: number,
): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const stopped = status === 'STOPPED';
  return JSON.stringify({
    version: '0',
    id: `${taskId}-${status}`,
    'detail-type': TASK_EVENT_DETAIL_TYPE,
    source: 'aws.ecs',
    account: ACCOUNT,
    region: REGION,
    time: iso(atMs),
    resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/churn/${taskId}`],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/churn`,
      group: `service:${name}`,
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${name}:1`,
      launchType: 'FARGATE',
      taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/churn/${taskId}`,
      lastStatus: status,
      desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
      version: stopped ? 2 : 1,
      createdAt: iso(startedMs - 20_000),
      startedAt: iso(startedMs),
      ...(stopped
        ? {
            stoppedAt: iso(atMs),
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
          }
        : {}),
    },
  });
}

/** The corpus a day at a time (each day's lines in event-time order). */
export function* churnDays(options: ChurnOptions): Generator<string[]> {
  const start = options.startMs ?? Date.UTC(2026, 0, 1);
  let task = 0;
  const id = () => (task++).toString(16).padStart(32, '0');
  for (let day = 0; day < options.days; day++) {
    const t0 = start + day * DAY_MS;
    const lines: [number, string][] = [];
    if (day === 0) {
      for (let i = 0; i < options.stableServices; i++) {
        lines.push([t0 + i * 1000, taskEvent(stableName(i), id(), t0 + i * 1000, 'RUNNING', t0)]);
      }
    }
    for (let i = 0; i < options.longServices; i++) {
      for (let n = 0; n < options.longTasksPerDay; n++) {
        const at = t0 + 3_600_000 + (i * options.longTasksPerDay + n) * 60_000;
        const taskId = id();
        lines.push([at, taskEvent(longName(i), taskId, at, 'RUNNING', at)]);
        lines.push([at + 7_200_000, taskEvent(longName(i), taskId, at + 7_200_000, 'STOPPED', at)]);
      }
    }
    for (let k = 0; k < options.shortPerDay; k++) {
      for (let n = 0; n < options.shortTasks; n++) {
        const at = t0 + 10 * 3_600_000 + (k * options.shortTasks + n) * 30_000;
        const taskId = id();
        lines.push([at, taskEvent(shortName(day, k), taskId, at, 'RUNNING', at)]);
        lines.push([
          at + 1_800_000,
          taskEvent(shortName(day, k), taskId, at + 1_800_000, 'STOPPED', at),
        ]);
      }
    }
    lines.sort((a, b) => a[0] - b[0]);
    yield lines.map(([, line]) => line);
  }
}
