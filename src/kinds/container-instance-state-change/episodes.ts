/**
 * Simulated container instances: an agent that disconnects and reconnects a
 * few minutes later, or stays away; each change a new version of an
 * instance of the cluster's fleet, kept for the corpus.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { CONTAINER_INSTANCE_DETAIL_TYPE as INSTANCE } from './kind.js';

const iso = (ms: number) => new Date(ms).toISOString();

interface ContainerInstance {
  readonly arn: string;
  readonly ec2InstanceId: string;
  version: number;
}

/** Per account/region/cluster, its container instances. */
function containerInstances(context: EpisodeContext, workload: Workload): ContainerInstance[] {
  const { account, region } = context.where(workload);
  const key = `${account} ${region} ${workload.cluster}`;
  const fleets = context.memory(
    'container instances',
    () => new Map<string, ContainerInstance[]>(),
  );
  let fleet = fleets.get(key);
  if (fleet === undefined) {
    fleet = Array.from({ length: 3 }, () => ({
      arn: `arn:aws:ecs:${region}:${account}:container-instance/${workload.cluster}/${context.random.hex(32)}`,
      ec2InstanceId: `i-0${context.random.hex(16)}`,
      version: context.random.int(100, 20_000),
    }));
    fleets.set(key, fleet);
  }
  return fleet;
}

/** An agent that disconnects, and (unless lost) reconnects a few minutes later, each change a new version. */
function agent(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
  reconnects: boolean,
): PlannedEvent[] {
  const { clusterArn } = context.where(workload);
  const instance = context.random.pick(containerInstances(context, workload));
  const change = (atMs: number, agentConnected: boolean) => {
    instance.version += 1;
    const memory = 7680;
    return context.event(INSTANCE, atMs, workload, [instance.arn], {
      agentConnected,
      attributes: [
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'ecs.os-type', value: 'linux' },
      ],
      clusterArn,
      containerInstanceArn: instance.arn,
      ec2InstanceId: instance.ec2InstanceId,
      registeredResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
        { name: 'MEMORY', type: 'INTEGER', integerValue: memory },
      ],
      remainingResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: context.random.int(0, 8) * 256 },
        { name: 'MEMORY', type: 'INTEGER', integerValue: context.random.int(0, 15) * 512 },
      ],
      status: 'ACTIVE',
      version: instance.version,
      versionInfo: {
        agentHash: 'aebcbca',
        agentVersion: '1.89.3',
        dockerVersion: 'DockerVersion: 25.0.8',
      },
      updatedAt: iso(atMs),
    });
  };
  const events = [change(startMs, false)];
  if (reconnects) events.push(change(startMs + context.span(4 * 60_000, 10_000), true));
  return events;
}

export const CONTAINER_INSTANCE_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'agent_flap', weight: 12, plan: (c, at, w) => agent(c, at, w, true) },
  // Only when asked for by name: an agent that stays away keeps its alert firing.
  { name: 'agent_lost', weight: 0, plan: (c, at, w) => agent(c, at, w, false) },
];
