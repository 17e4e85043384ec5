/**
 * The events a pattern is judged against: a full lifecycle of every way a
 * task runs and ends (Fargate and EC2; PROVISIONING through STOPPED; the stop
 * codes ECS sends), planned by the simulator in the shape of the real events
 * of test/fixtures/events; the two real events of the seed note; and one
 * event of each other ECS detail-type. Pure and reproducible: a fixed seed
 * and start time.
 */

import { EVENT_KINDS } from '../kinds/registry.js';
import { KNOWN_TASK_STATUSES } from '../kinds/task-state-change/task-vocabulary.js';
import { createRandom } from '../simulator/random.js';
import {
  ACCOUNT,
  planTaskLifecycle,
  REGION,
  type Scenario,
  WORKLOADS,
} from '../simulator/task-lifecycle.js';

export interface ReferenceEvent {
  readonly name: string;
  readonly event: Readonly<Record<string, unknown>>;
}

export const TASK_DETAIL_TYPE = 'ECS Task State Change';

/** Every task status ECS reports, in lifecycle order (DELETED is not sent as an event). */
export const TASK_STATUSES: readonly (typeof KNOWN_TASK_STATUSES)[number][] =
  KNOWN_TASK_STATUSES.filter((status) => status !== 'DELETED');

/** The ECS detail-types a rule on aws.ecs delivers, each with whether the exporter counts it today. */
export const ECS_DETAIL_TYPES: readonly {
  readonly detailType: string;
  readonly counted: boolean;
}[] = [
  TASK_DETAIL_TYPE,
  'ECS Deployment State Change',
  'ECS Service Action',
  'ECS Container Instance State Change',
  'ECS Daemon Deployment State Change',
  'ECS Daemon Service Action',
  'ECS Container Instance Health Change',
  'ECS Hook State Change',
].map((detailType) => ({
  detailType,
  counted: EVENT_KINDS.some((k) => k.source === 'aws.ecs' && k.detailTypes.includes(detailType)),
}));

/**
 * The two real "ECS Task State Change" events of the seed note (a task that
 * ran and exited, a task that failed to start), trimmed to the envelope and
 * the detail fields a pattern is likely to select on. test/operator checks
 * that each is a faithful subset of its fixture in test/fixtures/events.
 */
export const SEED_EVENTS: readonly ReferenceEvent[] = [
  {
    name: 'task-exited',
    event: {
      version: '0',
      id: '92b591a6-45be-dcff-a9ed-41042372dabf',
      'detail-type': 'ECS Task State Change',
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
      'detail-type': 'ECS Task State Change',
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

function lifecycleEvents(): ReferenceEvent[] {
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

const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`;

const envelope = (detailType: string, resource: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: `0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f${detailType.length % 10}`,
  'detail-type': detailType,
  source: 'aws.ecs',
  account: ACCOUNT,
  time: '2024-03-04T10:30:00Z',
  region: REGION,
  resources: [resource],
  detail,
});

/**
 * The kinds of ECS Managed Instances, managed daemons and deployment hooks:
 * `resources` empty, absent or holding a task ARN, as documented, so a
 * pattern that selects on `resources` is judged against them too.
 */
function managedInstanceEvents(): ReferenceEvent[] {
  const daemonArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:daemon/prod/log-router`;
  const instanceArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/prod/0b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e`;
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/5e7f9a1b3c5d7e9f1a2b3c4d5e6f7a8b`;
  const deploymentArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:daemon-deployment/prod/log-router/2f4a6c8e`;
  const at = (
    resources: readonly string[] | undefined,
    detailType: string,
    detail: Record<string, unknown>,
  ) => {
    const event: Record<string, unknown> = { ...envelope(detailType, '', detail) };
    if (resources === undefined) delete event.resources;
    else event.resources = resources;
    return event;
  };
  return [
    {
      name: 'daemon-deployment-successful',
      event: at([deploymentArn], 'ECS Daemon Deployment State Change', {
        eventType: 'INFO',
        eventName: 'DAEMON_DEPLOYMENT_SUCCESSFUL',
        clusterArn: CLUSTER_ARN,
        daemonArn,
        daemonDeploymentArn: deploymentArn,
        targetDaemonRevisionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:daemon-revision/prod/log-router/4`,
        updatedAt: '2024-03-04T10:34:41.618059641Z',
      }),
    },
    {
      name: 'daemon-task-creation-failed',
      event: at([], 'ECS Daemon Service Action', {
        eventType: 'WARNING',
        eventName: 'DAEMON_TASK_START_IMPAIRED',
        clusterArn: CLUSTER_ARN,
        daemonArn,
        containerInstanceArn: instanceArn,
        failureType: 'TASK_CREATION_FAILED',
        reason: 'RESOURCE:MEMORY',
        createdAt: '2024-03-04T10:31:02.113402611Z',
      }),
    },
    {
      name: 'daemon-task-failed-to-run',
      event: at([taskArn], 'ECS Daemon Service Action', {
        eventType: 'WARNING',
        eventName: 'DAEMON_TASK_START_IMPAIRED',
        clusterArn: CLUSTER_ARN,
        daemonArn,
        containerInstanceArn: instanceArn,
        taskArn,
        failureType: 'TASK_FAILED_TO_RUN',
        reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        createdAt: '2024-03-04T10:31:40.000000000Z',
      }),
    },
    {
      name: 'container-instance-gpu-impaired',
      event: at([instanceArn], 'ECS Container Instance Health Change', {
        clusterArn: CLUSTER_ARN,
        containerInstanceArn: instanceArn,
        capacityProviderName: null,
        ec2InstanceId: 'i-0a1b2c3d4e5f60718',
        overallStatus: 'IMPAIRED',
        healthChecks: [
          {
            type: 'ACCELERATED_COMPUTE',
            status: 'IMPAIRED',
            lastStatusChange: '2024-03-04T10:32:00.004871223Z',
            lastUpdated: '2024-03-04T10:32:00.004871223Z',
            statusReason: 'XID_79',
          },
        ],
      }),
    },
    {
      name: 'hook-awaiting-action',
      event: at(undefined, 'ECS Hook State Change', {
        eventType: 'INFO',
        eventName: 'HOOK_AWAITING_ACTION',
        clusterArn: CLUSTER_ARN,
        serviceArn: SERVICE_ARN,
        serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/prod/web/Hk2vJ5tQ`,
        hookId: 'ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw',
        hookType: 'PAUSE',
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        expiresAt: '2024-03-04T10:45:00Z',
        updatedAt: '2024-03-04T10:35:00.118204779Z',
      }),
    },
  ];
}

/** One event of each other ECS detail-type, in the shape the ECS documentation gives. */
const OTHER_KIND_EVENTS: readonly ReferenceEvent[] = [
  {
    name: 'deployment-in-progress',
    event: envelope('ECS Deployment State Change', SERVICE_ARN, {
      eventType: 'INFO',
      eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
      deploymentId: 'ecs-svc/7390162812438129376',
      updatedAt: '2024-03-04T10:30:00.012Z',
      reason: 'ECS deployment ecs-svc/7390162812438129376 in progress.',
    }),
  },
  {
    name: 'service-placement-failure',
    event: envelope('ECS Service Action', SERVICE_ARN, {
      eventType: 'WARN',
      eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
      clusterArn: CLUSTER_ARN,
      createdAt: '2024-03-04T10:30:00.695Z',
      reason: 'RESOURCE:MEMORY',
    }),
  },
  {
    name: 'container-instance-active',
    event: envelope(
      'ECS Container Instance State Change',
      `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/prod/6d2c4e1c07d4a5f3b9e2f0a1c3d5e7f9`,
      {
        agentConnected: true,
        clusterArn: CLUSTER_ARN,
        containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/prod/6d2c4e1c07d4a5f3b9e2f0a1c3d5e7f9`,
        ec2InstanceId: 'i-0f2b1c9a8d7e6f543',
        registeredResources: [
          { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
          { name: 'MEMORY', type: 'INTEGER', integerValue: 7936 },
        ],
        status: 'ACTIVE',
        version: 14,
        versionInfo: { agentVersion: '1.82.0', dockerVersion: 'DockerVersion: 20.10.25' },
        updatedAt: '2024-03-04T10:30:00.991Z',
      },
    ),
  },
  ...managedInstanceEvents(),
];

/** Everything a pattern is judged against. */
export const REFERENCE_EVENTS: readonly ReferenceEvent[] = [
  ...lifecycleEvents(),
  ...SEED_EVENTS,
  ...OTHER_KIND_EVENTS,
];
