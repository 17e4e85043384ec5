/**
 * Plans the "ECS Task State Change" events of one simulated task, shaped like
 * the real ones (see test/fixtures/events): cumulative timestamps, a version
 * that grows by one per event, Fargate and EC2 lifecycles, and the stop codes
 * and reason texts ECS sends for each way a task ends. Pure: the start time
 * and the randomness are passed in.
 */
import { TASK_EVENT_DETAIL_TYPE } from '../kinds/task-state-change/task-event.js';
import type { Random } from './random.js';

export type Scenario =
  | 'service_replaced'
  | 'batch_succeeded'
  | 'batch_failed'
  | 'out_of_memory'
  | 'image_pull_failed'
  | 'resource_initialization_failed'
  | 'spot_interrupted'
  | 'health_check_failed'
  | 'user_stopped'
  | 'host_lost'
  | 'ec2_service_replaced'
  | 'crash_loop';

/** Relative weights of the scenarios in a simulated mix. */
export const SCENARIO_WEIGHTS: Readonly<Record<Scenario, number>> = {
  service_replaced: 28,
  batch_succeeded: 22,
  batch_failed: 5,
  out_of_memory: 6,
  image_pull_failed: 5,
  resource_initialization_failed: 4,
  spot_interrupted: 6,
  health_check_failed: 6,
  user_stopped: 5,
  host_lost: 3,
  ec2_service_replaced: 10,
  // Only when asked for by name (tests): seeded corpora stay what they were.
  crash_loop: 0,
};

export interface PlannedEvent {
  /** When the state change happens (the event `time`), ms since the epoch. */
  readonly atMs: number;
  readonly event: Record<string, unknown>;
}

export interface Workload {
  readonly cluster: string;
  /** Service name, or undefined for a standalone (batch) task. */
  readonly service: string | undefined;
  readonly family: string;
  readonly image: string;
  /** Account and region, ACCOUNT and REGION unless given. */
  readonly account?: string;
  readonly region?: string;
  /** A second, non-essential container of each task (a proxy, a log router). */
  readonly sidecar?: string;
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
/** A second account in another region, whose events reach the same stream through a cross-account event bus. */
export const OTHER_ACCOUNT = '210987654321';
export const OTHER_REGION = 'us-east-1';

export const WORKLOADS: readonly Workload[] = [
  { cluster: 'prod', service: 'web', family: 'web', image: 'web:2.14.1' },
  { cluster: 'prod', service: 'api', family: 'api', image: 'api:5.2.0' },
  { cluster: 'prod', service: 'checkout', family: 'checkout', image: 'checkout:1.9.3' },
  { cluster: 'prod', service: 'worker', family: 'worker', image: 'worker:3.0.7' },
  { cluster: 'staging', service: 'web', family: 'web-staging', image: 'web:2.15.0-rc1' },
  { cluster: 'batch', service: undefined, family: 'nightly-report', image: 'reports:1.4.0' },
  { cluster: 'batch', service: undefined, family: 'etl-import', image: 'etl:0.9.12' },
  // The same cluster name in another account and region: its series must stay apart.
  {
    cluster: 'prod',
    service: 'web',
    family: 'web',
    image: 'web:2.14.1',
    account: OTHER_ACCOUNT,
    region: OTHER_REGION,
  },
  {
    cluster: 'prod',
    service: 'payments',
    family: 'payments',
    image: 'payments:4.1.0',
    account: OTHER_ACCOUNT,
    region: OTHER_REGION,
    sidecar: 'envoy',
  },
];

const BATCH_SCENARIOS: ReadonlySet<Scenario> = new Set(['batch_succeeded', 'batch_failed']);

export function pickScenario(random: Random): Scenario {
  const entries = Object.entries(SCENARIO_WEIGHTS) as [Scenario, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let roll = random.next() * total;
  for (const [scenario, weight] of entries) {
    roll -= weight;
    if (roll < 0) return scenario;
  }
  return 'service_replaced';
}

export function pickWorkload(random: Random, scenario: Scenario): Workload {
  const batch = BATCH_SCENARIOS.has(scenario);
  const candidates = WORKLOADS.filter((w) => (w.service === undefined) === batch);
  return random.pick(candidates);
}

/** Durations of one lifecycle, in ms; `runScale` shortens runs for a live demo. */
export interface LifecycleTimings {
  readonly runScale: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A log-normal-ish duration: mostly near `typical`, with a long tail up to `max`. */
function duration(random: Random, min: number, typical: number, max: number): number {
  const u = random.next();
  const value =
    u < 0.9
      ? min + (typical - min) * (u / 0.9) * 2
      : typical * 2 + (max - typical * 2) * ((u - 0.9) / 0.1);
  return Math.round(Math.min(max, Math.max(min, value)));
}

export function planTaskLifecycle(
  random: Random,
  startMs: number,
  scenario: Scenario,
  workload: Workload,
  timings: LifecycleTimings = { runScale: 1 },
): PlannedEvent[] {
  const ec2 = scenario === 'host_lost' || scenario === 'ec2_service_replaced';
  const spot = scenario === 'spot_interrupted';
  const account = workload.account ?? ACCOUNT;
  const region = workload.region ?? REGION;
  const taskId = random.hex(32);
  const clusterArn = `arn:aws:ecs:${region}:${account}:cluster/${workload.cluster}`;
  const taskArn = `arn:aws:ecs:${region}:${account}:task/${workload.cluster}/${taskId}`;
  const revision = random.int(1, 40);
  const containerName = workload.family.replace(/-staging$/, '');
  const instanceId = `i-0${random.hex(16)}`;
  const ip = `10.0.${random.int(0, 255)}.${random.int(1, 254)}`;
  const eniId = `eni-0${random.hex(16)}`;
  const attachmentId = random.uuid();
  const containerArn = `arn:aws:ecs:${region}:${account}:container/${workload.cluster}/${taskId}/${random.uuid()}`;
  const sidecarArn = `arn:aws:ecs:${region}:${account}:container/${workload.cluster}/${taskId}/${random.uuid()}`;
  const imageDigest = `sha256:${random.hex(64)}`;
  const runtimeId = `${taskId}-${random.int(1e9, 4e9)}`;

  const createdAt = startMs;
  const connectivityAt = createdAt + duration(random, 1500, 4000, 20_000);
  const pullStartedAt = connectivityAt + duration(random, 200, 1500, 10_000);
  const failsToStart =
    scenario === 'image_pull_failed' || scenario === 'resource_initialization_failed';
  const pullStoppedAt = pullStartedAt + duration(random, 100, 3000, 240_000);
  const startedAt = pullStoppedAt + duration(random, 300, 1500, 8000);
  const runMs = Math.max(
    1000,
    Math.round(
      (scenario === 'crash_loop'
        ? duration(random, 1000, 5000, 30_000)
        : BATCH_SCENARIOS.has(scenario) || scenario === 'out_of_memory'
          ? duration(random, 5000, 120_000, 3_600_000)
          : duration(random, 60_000, 1_800_000, 86_400_000)) * timings.runScale,
    ),
  );
  const failedAt = pullStartedAt + duration(random, 2000, 15_000, 120_000);
  const executionStoppedAt = failsToStart ? failedAt : startedAt + runMs;
  const stoppingAt = failsToStart
    ? failedAt + 1000
    : executionStoppedAt - Math.min(runMs / 2, 10_000);
  const stoppedAt = executionStoppedAt + duration(random, 2000, 12_000, 60_000);

  // Most exits are 0; a service task stopped by the scheduler exits 143 when
  // its process does not handle SIGTERM; failures are mostly 1.
  const exitCode: number | null =
    scenario === 'batch_succeeded'
      ? 0
      : scenario === 'service_replaced' || scenario === 'ec2_service_replaced'
        ? random.next() < 0.8
          ? 0
          : 143
        : scenario === 'batch_failed' || scenario === 'crash_loop'
          ? random.pick([1, 1, 1, 1, 1, 2, 127, 139])
          : scenario === 'out_of_memory'
            ? 137
            : scenario === 'spot_interrupted' ||
                scenario === 'user_stopped' ||
                scenario === 'health_check_failed'
              ? 143
              : null;
  const containerReason =
    scenario === 'out_of_memory'
      ? 'OutOfMemoryError: Container killed due to memory usage'
      : undefined;

  let stopCode: string | undefined;
  let stoppedReason: string;
  switch (scenario) {
    case 'service_replaced':
    case 'ec2_service_replaced':
      stopCode = 'ServiceSchedulerInitiated';
      stoppedReason = `Scaling activity initiated by (deployment ecs-svc/${random.int(1e15, 9e15)})`;
      break;
    case 'batch_succeeded':
    case 'batch_failed':
    case 'out_of_memory':
    case 'crash_loop':
      stopCode = 'EssentialContainerExited';
      stoppedReason = 'Essential container in task exited';
      break;
    case 'image_pull_failed':
      stopCode = 'TaskFailedToStart';
      stoppedReason = `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${account}.dkr.ecr.${region}.amazonaws.com/${workload.image}-hotfix: not found`;
      break;
    case 'resource_initialization_failed':
      stopCode = 'TaskFailedToStart';
      stoppedReason =
        'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException';
      break;
    case 'spot_interrupted':
      stopCode = 'SpotInterruption';
      stoppedReason = 'Your Spot Task was interrupted.';
      break;
    case 'health_check_failed':
      stopCode = 'ServiceSchedulerInitiated';
      stoppedReason = `Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${workload.family}/${random.hex(16)})`;
      break;
    case 'user_stopped':
      stopCode = 'UserInitiated';
      stoppedReason = 'Task stopped by user';
      break;
    case 'host_lost':
      stopCode = undefined;
      stoppedReason = `Host EC2 (instance ${instanceId}) terminated.`;
      break;
  }

  type Step = { status: string; atMs: number; desired: string; notice?: boolean };
  const steps: Step[] = [];
  if (ec2) {
    steps.push({ status: 'PENDING', atMs: createdAt, desired: 'RUNNING' });
    steps.push({ status: 'RUNNING', atMs: startedAt, desired: 'RUNNING' });
    steps.push({ status: 'STOPPED', atMs: stoppedAt, desired: 'STOPPED' });
  } else if (failsToStart) {
    steps.push({ status: 'PROVISIONING', atMs: createdAt, desired: 'RUNNING' });
    steps.push({ status: 'PENDING', atMs: connectivityAt, desired: 'RUNNING' });
    steps.push({ status: 'DEPROVISIONING', atMs: stoppingAt, desired: 'STOPPED' });
    steps.push({ status: 'STOPPED', atMs: stoppedAt, desired: 'STOPPED' });
  } else {
    steps.push({ status: 'PROVISIONING', atMs: createdAt, desired: 'RUNNING' });
    steps.push({ status: 'PENDING', atMs: connectivityAt, desired: 'RUNNING' });
    steps.push({ status: 'ACTIVATING', atMs: pullStoppedAt + 200, desired: 'RUNNING' });
    steps.push({ status: 'RUNNING', atMs: startedAt, desired: 'RUNNING' });
    if (spot) {
      // The termination notice: still RUNNING, but desired STOPPED with a stop code. Not a stop.
      steps.push({
        status: 'RUNNING',
        atMs: Math.round((startedAt + stoppingAt) / 2),
        desired: 'STOPPED',
        notice: true,
      });
    }
    steps.push({ status: 'DEACTIVATING', atMs: stoppingAt, desired: 'STOPPED' });
    steps.push({ status: 'STOPPING', atMs: stoppingAt + 500, desired: 'STOPPED' });
    steps.push({ status: 'DEPROVISIONING', atMs: executionStoppedAt + 1000, desired: 'STOPPED' });
    steps.push({ status: 'STOPPED', atMs: stoppedAt, desired: 'STOPPED' });
  }

  const group =
    workload.service === undefined ? `family:${workload.family}` : `service:${workload.service}`;
  return steps.map((step, index) => {
    const at = step.atMs;
    const stopping = step.desired === 'STOPPED';
    const stoppedNow = step.status === 'STOPPED';
    const container: Record<string, unknown> = {
      containerArn,
      lastStatus: stoppedNow ? 'STOPPED' : at >= startedAt && !failsToStart ? 'RUNNING' : 'PENDING',
      name: containerName,
      image: `${account}.dkr.ecr.${region}.amazonaws.com/${workload.image}`,
      taskArn,
      networkInterfaces: [{ attachmentId, privateIpv4Address: ip }],
      cpu: '0',
    };
    if (at >= pullStoppedAt && !failsToStart) {
      container.imageDigest = imageDigest;
      container.runtimeId = runtimeId;
    }
    if (stoppedNow) {
      container.exitCode = exitCode;
      if (containerReason !== undefined) container.reason = containerReason;
    }
    const containers = [container];
    if (workload.sidecar !== undefined) {
      // Stopped with its task: SIGTERM (143) when the task was stopped or killed, else 0.
      containers.push({
        ...container,
        containerArn: sidecarArn,
        name: workload.sidecar,
        image: `public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod`,
        ...(stoppedNow ? { exitCode: exitCode === null ? null : exitCode === 0 ? 0 : 143 } : {}),
      });
      delete (containers[1] as Record<string, unknown>).reason;
      delete (containers[1] as Record<string, unknown>).imageDigest;
    }
    const detail: Record<string, unknown> = {
      attachments: ec2
        ? []
        : [
            {
              id: attachmentId,
              type: 'eni',
              status: stoppedNow ? 'DELETED' : 'ATTACHED',
              details: [
                { name: 'subnetId', value: `subnet-${random.hex(8)}` },
                { name: 'networkInterfaceId', value: eniId },
                { name: 'privateIPv4Address', value: ip },
              ],
            },
          ],
      availabilityZone: `${region}${random.pick(['a', 'b', 'c'])}`,
      clusterArn,
      containers,
      cpu: '256',
      createdAt: iso(createdAt),
      desiredStatus: step.desired,
      enableExecuteCommand: false,
      group,
      launchType: ec2 ? 'EC2' : 'FARGATE',
      lastStatus: step.status,
      memory: '512',
      overrides: { containerOverrides: [{ name: containerName }] },
      taskArn,
      taskDefinitionArn: `arn:aws:ecs:${region}:${account}:task-definition/${workload.family}:${revision}`,
      updatedAt: iso(at),
      version: index + 1,
    };
    if (ec2)
      detail.containerInstanceArn = `arn:aws:ecs:${region}:${account}:container-instance/${workload.cluster}/${random.hex(32)}`;
    else {
      detail.connectivity = at >= connectivityAt ? 'CONNECTED' : 'CONNECTING';
      if (at >= connectivityAt) detail.connectivityAt = iso(connectivityAt);
      detail.platformVersion = '1.4.0';
      detail.ephemeralStorage = { sizeInGiB: 20 };
    }
    if (spot) detail.capacityProviderName = 'FARGATE_SPOT';
    if (at >= pullStartedAt) detail.pullStartedAt = iso(pullStartedAt);
    if (at >= pullStoppedAt && !failsToStart) detail.pullStoppedAt = iso(pullStoppedAt);
    if (at >= startedAt && !failsToStart) detail.startedAt = iso(startedAt);
    if (stopping && (step.notice || step.status !== 'RUNNING')) {
      if (stopCode !== undefined) detail.stopCode = stopCode;
      detail.stoppedReason = stoppedReason;
    }
    if (stopping && !step.notice) detail.stoppingAt = iso(stoppingAt);
    if (at >= executionStoppedAt) detail.executionStoppedAt = iso(executionStoppedAt);
    if (stoppedNow) detail.stoppedAt = iso(stoppedAt);
    return {
      atMs: at,
      event: envelope(random, TASK_EVENT_DETAIL_TYPE, at, taskArn, detail, account, region),
    };
  });
}

/** The EventBridge envelope around one ECS event; `time` has whole seconds, as EventBridge writes it. */
export function envelope(
  random: Random,
  detailType: string,
  atMs: number,
  resource: string,
  detail: Record<string, unknown>,
  account = ACCOUNT,
  region = REGION,
): Record<string, unknown> {
  return {
    version: '0',
    id: random.uuid(),
    'detail-type': detailType,
    source: 'aws.ecs',
    account,
    time: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [resource],
    detail,
  };
}
