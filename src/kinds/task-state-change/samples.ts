/**
 * The task events check-pattern judges patterns against: a full lifecycle
 * of every way a task runs and ends (Fargate and EC2; PROVISIONING through
 * STOPPED; the stop codes ECS sends), planned by the simulator in the shape
 * of the real events of test/fixtures/events, and the two real events of the
 * seed note. Pure and reproducible: a fixed seed and start time.
 */
import { createRandom } from '../../simulator/random.js';
import { planTaskLifecycle, type Scenario, WORKLOADS } from '../../simulator/task-lifecycle.js';
import type { SampleEvent } from '../kind.js';
import { TASK_EVENT_DETAIL_TYPE } from './task-event.js';

/**
 * The two real "ECS Task State Change" events of the seed note (a task that
 * ran and exited, a task that failed to start), trimmed to the envelope and
 * the detail fields a pattern is likely to select on. test/pattern checks
 * that each is a faithful subset of its fixture in test/fixtures/events.
 */
export const SEED_EVENTS: readonly SampleEvent[] = [
  {
    name: 'task-exited',
    event: {
      version: '0',
      id: '92b591a6-45be-dcff-a9ed-41042372dabf',
      'detail-type': TASK_EVENT_DETAIL_TYPE,
      source: 'aws.ecs',
      account: '832665068462',
      time: '2021-07-12T05:44:09Z',
      region: 'ap-northeast-1',
      resources: [
        'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/ff259f15925142589b40c1756e6a0b62',
      ],
      detail: {
        clusterArn: 'arn:aws:ecs:ap-northeast-1:832665068462:cluster/apline-hello-cluster',
        containers: [
          {
            containerArn:
              'arn:aws:ecs:ap-northeast-1:832665068462:container/apline-hello-cluster/ff259f15925142589b40c1756e6a0b62/7f0af8bb-6da5-40ad-b473-726d6721124c',
            lastStatus: 'STOPPED',
            name: 'alpine-hello',
            image: '832665068462.dkr.ecr.ap-northeast-1.amazonaws.com/alpine-hello:latest',
            taskArn:
              'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/ff259f15925142589b40c1756e6a0b62',
          },
        ],
        createdAt: '2021-07-12T05:43:29.769Z',
        desiredStatus: 'STOPPED',
        group: 'family:apline-hello-task-definition',
        launchType: 'FARGATE',
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        taskArn:
          'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/ff259f15925142589b40c1756e6a0b62',
        taskDefinitionArn:
          'arn:aws:ecs:ap-northeast-1:832665068462:task-definition/apline-hello-task-definition:1',
        version: 5,
      },
    },
  },
  {
    name: 'task-failed-to-start',
    event: {
      version: '0',
      id: '5474991e-82e2-c6ae-667d-b974dc63d14b',
      'detail-type': TASK_EVENT_DETAIL_TYPE,
      source: 'aws.ecs',
      account: '832665068462',
      time: '2021-07-12T05:49:02Z',
      region: 'ap-northeast-1',
      resources: [
        'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/c21689e7106841b49f9c180dacd78121',
      ],
      detail: {
        clusterArn: 'arn:aws:ecs:ap-northeast-1:832665068462:cluster/apline-hello-cluster',
        containers: [
          {
            containerArn:
              'arn:aws:ecs:ap-northeast-1:832665068462:container/apline-hello-cluster/c21689e7106841b49f9c180dacd78121/584ae525-3ac8-4173-a69e-a63036ddd77e',
            lastStatus: 'STOPPED',
            name: 'alpine-hello',
            image: '832665068462.dkr.ecr.ap-northeast-1.amazonaws.com/alpine-hello:latest',
            taskArn:
              'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/c21689e7106841b49f9c180dacd78121',
          },
        ],
        createdAt: '2021-07-12T05:46:50.122Z',
        desiredStatus: 'STOPPED',
        group: 'family:apline-hello-task-definition',
        launchType: 'FARGATE',
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'ResourceInitializationError: unable to pull secrets or registry auth: pull command failed: : signal: killed',
        taskArn:
          'arn:aws:ecs:ap-northeast-1:832665068462:task/apline-hello-cluster/c21689e7106841b49f9c180dacd78121',
        taskDefinitionArn:
          'arn:aws:ecs:ap-northeast-1:832665068462:task-definition/apline-hello-task-definition:1',
        version: 4,
      },
    },
  },
];

/** One lifecycle per scenario, named for how the task runs and ends. */
const LIFECYCLES: readonly { readonly name: string; readonly scenario: Scenario }[] = [
  { name: 'fargate-service-replaced', scenario: 'service_replaced' },
  { name: 'fargate-batch-exited', scenario: 'batch_succeeded' },
  { name: 'fargate-out-of-memory', scenario: 'out_of_memory' },
  { name: 'fargate-image-pull-failed', scenario: 'image_pull_failed' },
  { name: 'fargate-spot-interrupted', scenario: 'spot_interrupted' },
  { name: 'fargate-user-stopped', scenario: 'user_stopped' },
  { name: 'ec2-service-replaced', scenario: 'ec2_service_replaced' },
  { name: 'ec2-host-lost', scenario: 'host_lost' },
];

const START_MS = Date.parse('2024-03-04T10:00:00Z');

function lifecycleEvents(): SampleEvent[] {
  const random = createRandom(9);
  return LIFECYCLES.flatMap(({ name, scenario }, i) => {
    const batch = scenario === 'batch_succeeded';
    const workload = WORKLOADS.find(
      (w) => (w.service === undefined) === batch,
    ) as (typeof WORKLOADS)[number];
    const planned = planTaskLifecycle(random, START_MS + i * 60_000, scenario, workload);
    const seen = new Map<string, number>();
    return planned.map(({ event }) => {
      const status = String((event.detail as { lastStatus: string }).lastStatus);
      const n = (seen.get(status) ?? 0) + 1;
      seen.set(status, n);
      return { name: `${name}/${status}${n > 1 ? `#${n}` : ''}`, event };
    });
  });
}

/** The lifecycles, then the seed note's events. */
export function taskSamples(): SampleEvent[] {
  return [...lifecycleEvents(), ...SEED_EVENTS];
}
