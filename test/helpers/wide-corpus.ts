/**
 * Events of many distinct workloads, one stopped task each: every task
 * metric gets one new label set per workload (56 sample lines), so a corpus
 * fills the series store to any size, up to the cap and past it. For the
 * cardinality tests and the scrape bench.
 */
import { TASK_EVENT_DETAIL_TYPE } from '../../src/kinds/task-state-change/task-event.js';

/** Sample lines the task metrics gain per distinct workload. */
export const LINES_PER_WORKLOAD = 56;

/** One STOPPED event of task `i` of workload `i % workloads`, with every timestamp. */
export function wideWorkloadEvent(i: number, workloads: number): string {
  const id = i.toString(16).padStart(32, '0');
  const w = i % workloads;
  const start = Date.UTC(2026, 0, 1) + i * 10;
  const iso = (ms: number) => new Date(ms).toISOString();
  return JSON.stringify({
    version: '0',
    id: `evt-${id}`,
    'detail-type': TASK_EVENT_DETAIL_TYPE,
    source: 'aws.ecs',
    account: '123456789012',
    region: 'eu-west-1',
    time: iso(start + 60_000),
    detail: {
      clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/cluster-${w}`,
      group: `service:svc-${w % 97}`,
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/family-${w % 89}:3`,
      launchType: w % 2 === 0 ? 'FARGATE' : 'EC2',
      taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/cluster-${w}/${id}`,
      lastStatus: 'STOPPED',
      version: 6,
      createdAt: iso(start),
      pullStartedAt: iso(start + 2000),
      pullStoppedAt: iso(start + 2000 + (i % 7) * 1500),
      startedAt: iso(start + 14_000),
      stoppedAt: iso(start + 60_000 + (i % 13) * 60_000),
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    },
  });
}

/** `tasks` events over `workloads` workloads. */
export function wideCorpus(tasks: number, workloads: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < tasks; i++) out.push(wideWorkloadEvent(i, workloads));
  return out;
}
