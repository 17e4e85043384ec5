/** A compact STOPPED event per task: the corpus of the memory and state benchmarks. */
import { TASK_EVENT_DETAIL_TYPE } from '../../src/kinds/task-state-change/task-event.js';

/** One STOPPED event of task `i`, shaped like the real ones but without the bulky fields. */
export function stoppedEvent(i: number): string {
  const id = i.toString(16).padStart(32, '0');
  const start = Date.UTC(2026, 0, 1) + i * 10;
  const iso = (ms: number) => new Date(ms).toISOString();
  return JSON.stringify({
    version: '0',
    id: `evt-${id}`,
    'detail-type': TASK_EVENT_DETAIL_TYPE,
    source: 'aws.ecs',
    time: iso(start + 60_000),
    detail: {
      clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
      group: `service:svc-${i % 50}`,
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/svc-${i % 50}:3`,
      launchType: 'FARGATE',
      taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/prod/${id}`,
      lastStatus: 'STOPPED',
      version: 6,
      createdAt: iso(start),
      pullStartedAt: iso(start + 2000),
      pullStoppedAt: iso(start + 5000),
      startedAt: iso(start + 8000),
      stoppedAt: iso(start + 60_000),
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    },
  });
}
