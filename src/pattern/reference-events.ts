/**
 * The two real "ECS Task State Change" events of the seed note (a task that
 * ran and exited, a task that failed to start), trimmed to the envelope and
 * the detail fields a pattern is likely to select on. A pattern that does not
 * match both would lose events the exporter needs. test/operator checks that
 * each is a faithful subset of its fixture in test/fixtures/events.
 */
export interface ReferenceEvent {
  readonly name: string;
  readonly event: Readonly<Record<string, unknown>>;
}

export const REFERENCE_EVENTS: readonly ReferenceEvent[] = [
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
