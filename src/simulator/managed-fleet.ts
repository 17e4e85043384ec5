/**
 * The managed instances of a simulated cluster, kept for the corpus: the
 * daemon and instance health episodes of ECS Managed Instances
 * (kinds/daemon-service-action, kinds/container-instance-health-change) act
 * on the same fleet. Their checks, the daemons they run, and the
 * nanosecond timestamps of these kinds.
 */
import type { EpisodeContext } from './episode-context.js';
import type { Random } from './random.js';
import type { Workload } from './task-lifecycle.js';

export const CHECKS = [
  'CONTAINER_RUNTIME',
  'ACCELERATED_COMPUTE',
  'DAEMON',
  'AGENT_CONNECTIVITY',
] as const;
export type CheckType = (typeof CHECKS)[number];
export const DAEMONS = ['log-router', 'node-exporter'] as const;

/** ECS timestamps of these kinds carry nine fraction digits. */
export const nanoIso = (ms: number, random: Random) =>
  new Date(ms).toISOString().replace('Z', `${String(random.int(0, 999_999)).padStart(6, '0')}Z`);

interface Check {
  status: string;
  lastStatusChangeMs: number;
  reason: string | null;
}

export interface ManagedInstance {
  readonly arn: string;
  readonly ec2InstanceId: string;
  readonly capacityProvider: string;
  readonly checks: Record<CheckType, Check>;
}

export function managedFleet(context: EpisodeContext, workload: Workload): ManagedInstance[] {
  const { prefix } = context.where(workload);
  const key = `${prefix} ${workload.cluster}`;
  const fleets = context.memory('managed instances', () => new Map<string, ManagedInstance[]>());
  let fleet = fleets.get(key);
  if (fleet === undefined) {
    fleet = Array.from({ length: 4 }, (_, i) => {
      const checks = {} as Record<CheckType, Check>;
      for (const type of CHECKS)
        checks[type] = { status: 'OK', lastStatusChangeMs: 0, reason: null };
      return {
        arn: `${prefix}:container-instance/${workload.cluster}/${context.random.hex(32)}`,
        ec2InstanceId: `i-0${context.random.hex(16)}`,
        capacityProvider: i < 2 ? `${workload.cluster}-managed` : `${workload.cluster}-gpu`,
        checks,
      };
    });
    fleets.set(key, fleet);
  }
  return fleet;
}

/** One of the daemons of `workload`'s cluster, with its ARN and the cluster's. */
export function pickDaemon(context: EpisodeContext, workload: Workload) {
  const { prefix, clusterArn } = context.where(workload);
  const daemon = context.random.pick(DAEMONS);
  return {
    prefix,
    clusterArn,
    daemon,
    daemonArn: `${prefix}:daemon/${workload.cluster}/${daemon}`,
  };
}
