/**
 * The bounded `reason` class of a stopped task, from `stoppedReason` and the
 * containers' `reason` texts. The first four classes and their order are fixed
 * by the metrics contract; the rest extend it and end in `other`.
 */
export interface StopReasonClass {
  readonly name: string;
  /** Matched against each text as a case-sensitive substring. */
  readonly needles: readonly string[];
  readonly description: string;
}

export const STOP_REASON_CLASSES: readonly StopReasonClass[] = [
  {
    name: 'image_pull_failed',
    needles: ['CannotPullContainerError'],
    description: 'The container image could not be pulled.',
  },
  {
    name: 'resource_initialization_failed',
    needles: ['ResourceInitializationError'],
    description:
      'Fargate could not prepare the task: secrets, registry auth, log configuration or volumes.',
  },
  {
    name: 'out_of_memory',
    needles: ['OutOfMemoryError'],
    description: 'A container was killed for exceeding its memory limit.',
  },
  {
    name: 'health_check_failed',
    needles: ['health checks'],
    description: 'The task failed load balancer (ELB) or container health checks.',
  },
  {
    name: 'spot_interruption',
    needles: ['Spot Task was interrupted', 'SpotInterruption'],
    description: 'Fargate Spot or EC2 Spot reclaimed the capacity.',
  },
  {
    name: 'scaling_activity',
    needles: ['Scaling activity initiated by'],
    description: 'The service scheduler stopped the task: a scale-in or a deployment replacing it.',
  },
  {
    name: 'user_initiated',
    needles: ['Task stopped by user', 'stopped by user', 'Stopped by user'],
    description: 'A user or a program called StopTask.',
  },
  {
    name: 'host_lost',
    needles: [
      'Host EC2',
      'performing maintenance',
      'underlying infrastructure',
      'instance was terminated',
      'Container instance deregistration',
    ],
    description:
      'The host went away: EC2 instance stopped, terminated or deregistered, or Fargate maintenance.',
  },
  {
    name: 'essential_container_exited',
    needles: ['Essential container in task exited'],
    description:
      'An essential container exited on its own (its exit code tells success from failure).',
  },
  {
    name: 'other',
    needles: [],
    description: 'None of the above, or no reason text at all.',
  },
];

export const STOP_REASON_NAMES: readonly string[] = STOP_REASON_CLASSES.map((c) => c.name);

function matches(
  cls: StopReasonClass,
  stoppedReason: string | undefined,
  others: readonly string[],
) {
  for (const needle of cls.needles) {
    if (stoppedReason?.includes(needle)) return true;
    for (const text of others) if (text.includes(needle)) return true;
  }
  return false;
}

export function classifyStopReason(
  stoppedReason: string | undefined,
  containerReasons: readonly string[],
): string {
  for (const cls of STOP_REASON_CLASSES) {
    if (matches(cls, stoppedReason, containerReasons)) return cls.name;
  }
  return 'other';
}
