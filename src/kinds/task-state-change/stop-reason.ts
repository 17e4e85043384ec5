/**
 * The bounded `reason` class of a stopped task, from `stoppedReason` and the
 * containers' `reason` texts. The classes up to `essential_container_exited`
 * and their order are fixed by the metrics contract; `host_lost` extends it,
 * and `other` ends it.
 */
interface StopReasonClass {
  readonly name: string;
  /** Matched against each text as a substring, ignoring case. */
  readonly needles: readonly string[];
  readonly description: string;
}

export const STOP_REASON_CLASSES = [
  {
    name: 'image_pull_failed',
    needles: ['CannotPullContainerError', 'CannotPullImageManifestError'],
    description: 'The container image or its manifest could not be pulled.',
  },
  {
    name: 'resource_initialization_failed',
    needles: ['ResourceInitializationError'],
    description:
      'Fargate could not prepare the task: secrets, registry auth, log configuration or volumes.',
  },
  {
    name: 'out_of_memory',
    needles: ['OutOfMemoryError', 'OOM-killed'],
    description: 'A container was killed for exceeding its memory limit.',
  },
  {
    name: 'health_check_failed',
    needles: ['health checks'],
    description: 'The task failed load balancer (ELB) or container health checks.',
  },
  {
    name: 'container_start_failed',
    needles: [
      'CannotStartContainerError',
      'CannotCreateContainerError',
      'CannotInspectContainerError',
      'DockerTimeoutError',
    ],
    description: 'The container runtime could not create, start or inspect a container.',
  },
  {
    name: 'network_provisioning_failed',
    needles: ['network interface provisioning'],
    description: 'The task network interface (awsvpc ENI) could not be provisioned.',
  },
  {
    name: 'spot_interruption',
    needles: ['Spot Task was interrupted'],
    description: 'Fargate Spot or EC2 Spot reclaimed the capacity.',
  },
  {
    name: 'infrastructure_maintenance',
    needles: ['performing maintenance on the underlying infrastructure'],
    description: 'AWS retired the task for maintenance of the underlying infrastructure.',
  },
  {
    name: 'scaling_activity',
    needles: ['Scaling activity initiated by'],
    description: 'The service scheduler stopped the task: a scale-in or a deployment replacing it.',
  },
  {
    name: 'user_initiated',
    needles: ['stopped by user'],
    description: 'A user or a program called StopTask.',
  },
  {
    name: 'essential_container_exited',
    needles: ['Essential container in task exited'],
    description:
      'An essential container exited on its own (its exit code tells success from failure).',
  },
  {
    name: 'host_lost',
    needles: ['Host EC2', 'instance was terminated', 'Container instance deregistration'],
    description: 'The EC2 host went away: the instance stopped, terminated or was deregistered.',
  },
  {
    name: 'other',
    needles: [],
    description: 'None of the above, or no reason text at all.',
  },
] as const satisfies readonly StopReasonClass[];

/** A reason class's name: the one list above is the only place a class is named. */
export type StopReasonName = (typeof STOP_REASON_CLASSES)[number]['name'];

export const STOP_REASON_NAMES: readonly StopReasonName[] = STOP_REASON_CLASSES.map((c) => c.name);

const LOWER_NEEDLES: ReadonlyMap<StopReasonClass, readonly string[]> = new Map(
  STOP_REASON_CLASSES.map((c) => [c, c.needles.map((n) => n.toLowerCase())]),
);

function matches(cls: StopReasonClass, texts: readonly string[]): boolean {
  for (const needle of LOWER_NEEDLES.get(cls) ?? []) {
    for (const text of texts) if (text.includes(needle)) return true;
  }
  return false;
}

export function classifyStopReason(
  stoppedReason: string | undefined,
  containerReasons: readonly string[],
): StopReasonName {
  const texts = containerReasons.map((t) => t.toLowerCase());
  if (stoppedReason !== undefined) texts.unshift(stoppedReason.toLowerCase());
  for (const cls of STOP_REASON_CLASSES) {
    if (matches(cls, texts)) return cls.name;
  }
  return 'other';
}
