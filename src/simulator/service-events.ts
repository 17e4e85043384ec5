/**
 * Plans the ECS events around tasks, shaped like the ones AWS documents (see
 * test/fixtures/events): deployments that complete, or fail and are rolled
 * back by the circuit breaker; task placement failures while a cluster is
 * short of memory, CPU or Fargate capacity; services whose task starts are
 * impaired; container instances whose agent disconnects and reconnects. Each
 * episode is a few events of one service or cluster over minutes. The
 * container instances and the last good deployment of each service are kept
 * here, so versions grow per instance and a rollback names a real
 * deployment. Pure: times and randomness are passed in.
 */
import { CONTAINER_INSTANCE_DETAIL_TYPE } from '../kinds/container-instance-state-change/kind.js';
import { DEPLOYMENT_DETAIL_TYPE } from '../kinds/deployment-state-change/kind.js';
import { SERVICE_ACTION_DETAIL_TYPE } from '../kinds/service-action/kind.js';
import { episodeSpan, workloadArns } from './episode-span.js';
import { type ManagedEpisode, ManagedEventPlanner } from './managed-instance-events.js';
import type { Random } from './random.js';
import {
  envelope,
  type LifecycleTimings,
  type PlannedEvent,
  type Workload,
} from './task-lifecycle.js';

export type Episode =
  | 'deployment'
  | 'rollback'
  | 'placement_pressure'
  | 'start_impaired'
  | 'agent_flap'
  | 'agent_lost'
  | ManagedEpisode;

/** Relative weights in a simulated mix: most deployments complete, agents come back. */
export const EPISODE_WEIGHTS: Readonly<Record<Episode, number>> = {
  deployment: 40,
  rollback: 8,
  placement_pressure: 16,
  start_impaired: 4,
  agent_flap: 12,
  // Only when asked for by name: an agent that stays away keeps its alert firing.
  agent_lost: 0,
  // ECS Managed Instances (managed-instance-events.ts).
  daemon_deployment: 10,
  daemon_rollback: 4,
  daemon_start_failures: 8,
  instance_health: 12,
  deployment_hooks: 8,
  // Only when asked for by name: what stays broken keeps its alert firing.
  instance_impaired: 0,
  hook_awaiting: 0,
};

const DEPLOYMENT = DEPLOYMENT_DETAIL_TYPE;
const SERVICE_ACTION = SERVICE_ACTION_DETAIL_TYPE;
const INSTANCE = CONTAINER_INSTANCE_DETAIL_TYPE;

const iso = (ms: number) => new Date(ms).toISOString();

interface ContainerInstance {
  readonly arn: string;
  readonly ec2InstanceId: string;
  version: number;
}

export class ServiceEventPlanner {
  readonly #random: Random;
  readonly #timings: LifecycleTimings;
  /** Per account/region/cluster, its container instances. */
  readonly #fleets = new Map<string, ContainerInstance[]>();
  /** Per service ARN, its last completed deployment. */
  readonly #lastGood = new Map<string, string>();
  readonly #managed: ManagedEventPlanner;

  constructor(random: Random, timings: LifecycleTimings = { runScale: 1 }) {
    this.#random = random;
    this.#timings = timings;
    this.#managed = new ManagedEventPlanner(random, timings);
  }

  pickEpisode(): Episode {
    const entries = Object.entries(EPISODE_WEIGHTS) as [Episode, number][];
    let roll = this.#random.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [episode, weight] of entries) {
      roll -= weight;
      if (roll < 0) return episode;
    }
    return 'deployment';
  }

  /** The events of one episode of `workload` (its service, or its cluster), starting at `startMs`. */
  plan(episode: Episode, startMs: number, workload: Workload): PlannedEvent[] {
    switch (episode) {
      case 'deployment':
        return this.#deployment(startMs, workload, false);
      case 'rollback':
        return this.#deployment(startMs, workload, true);
      case 'placement_pressure':
        return this.#placementPressure(startMs, workload);
      case 'start_impaired':
        return this.#startImpaired(startMs, workload);
      case 'agent_flap':
        return this.#agent(startMs, workload, true);
      case 'agent_lost':
        return this.#agent(startMs, workload, false);
      default:
        return this.#managed.plan(episode, startMs, workload);
    }
  }

  /** A span of `typicalMs`, scaled for a live demo, never under `minMs`. */
  #span(typicalMs: number, minMs = 5000): number {
    return episodeSpan(this.#random, this.#timings, typicalMs, minMs);
  }

  #where(workload: Workload) {
    return workloadArns(workload);
  }

  #event(
    detailType: string,
    atMs: number,
    workload: Workload,
    resource: string,
    detail: Record<string, unknown>,
  ): PlannedEvent {
    const { account, region } = this.#where(workload);
    // EventBridge stamps the event a moment after the change it reports.
    const time = atMs + this.#random.int(100, 3000);
    return {
      atMs: time,
      event: envelope(this.#random, detailType, time, resource, detail, account, region),
    };
  }

  #steadyState(atMs: number, workload: Workload): PlannedEvent {
    const { clusterArn, serviceArn } = this.#where(workload);
    return this.#event(SERVICE_ACTION, atMs, workload, serviceArn, {
      eventType: 'INFO',
      eventName: 'SERVICE_STEADY_STATE',
      clusterArn,
      createdAt: iso(atMs),
    });
  }

  /**
   * IN_PROGRESS, then COMPLETED and the service steady; or, rolled back, the
   * circuit breaker's FAILED naming the deployment it rolls back to, then the
   * IN_PROGRESS of the rollback, and the service steady on the old version.
   */
  #deployment(startMs: number, workload: Workload, rolledBack: boolean): PlannedEvent[] {
    const { serviceArn } = this.#where(workload);
    const id = `ecs-svc/${this.#random.int(1e15, 9e15)}`;
    const previous = this.#lastGood.get(serviceArn) ?? `ecs-svc/${this.#random.int(1e15, 9e15)}`;
    const detail = (eventType: string, eventName: string, atMs: number, reason: string) => ({
      eventType,
      eventName,
      deploymentId: id,
      updatedAt: iso(atMs),
      reason,
    });
    const events = [
      this.#event(
        DEPLOYMENT,
        startMs,
        workload,
        serviceArn,
        detail(
          'INFO',
          'SERVICE_DEPLOYMENT_IN_PROGRESS',
          startMs,
          `ECS deployment ${id} in progress.`,
        ),
      ),
    ];
    if (!rolledBack) {
      const endMs = startMs + this.#span(6 * 60_000, 20_000);
      events.push(
        this.#event(
          DEPLOYMENT,
          endMs,
          workload,
          serviceArn,
          detail('INFO', 'SERVICE_DEPLOYMENT_COMPLETED', endMs, `ECS deployment ${id} completed.`),
        ),
        this.#steadyState(endMs + this.#span(30_000, 2000), workload),
      );
      this.#lastGood.set(serviceArn, id);
      return events;
    }
    // The circuit breaker trips after a number of failed launches: longer than a good deployment.
    const failedMs = startMs + this.#span(12 * 60_000, 30_000);
    const cause = this.#random.pick([
      'tasks failed to start',
      'task failed to start',
      'tasks failed ELB health checks',
    ]);
    const rollbackMs = failedMs + this.#random.int(500, 3000);
    events.push(
      this.#event(
        DEPLOYMENT,
        failedMs,
        workload,
        serviceArn,
        detail(
          'ERROR',
          'SERVICE_DEPLOYMENT_FAILED',
          failedMs,
          `ECS deployment circuit breaker: ${cause}. Rolling back to deploymentId ${previous}.`,
        ),
      ),
      this.#event(
        DEPLOYMENT,
        rollbackMs,
        workload,
        serviceArn,
        detail(
          'INFO',
          'SERVICE_DEPLOYMENT_IN_PROGRESS',
          rollbackMs,
          `ECS deployment circuit breaker: rolling back to deploymentId ${previous}.`,
        ),
      ),
      this.#steadyState(rollbackMs + this.#span(4 * 60_000, 10_000), workload),
    );
    return events;
  }

  /** The scheduler retrying every minute or so and finding no room, until capacity is added. */
  #placementPressure(startMs: number, workload: Workload): PlannedEvent[] {
    const { clusterArn, serviceArn } = this.#where(workload);
    // EC2 clusters run short of memory or CPU; Fargate of its own capacity.
    const reason = this.#random.pick([
      'RESOURCE:MEMORY',
      'RESOURCE:MEMORY',
      'RESOURCE:CPU',
      'RESOURCE:FARGATE',
    ]);
    const failures = this.#random.int(2, 7);
    const events: PlannedEvent[] = [];
    let atMs = startMs;
    for (let i = 0; i < failures; i++) {
      events.push(
        this.#event(SERVICE_ACTION, atMs, workload, serviceArn, {
          eventType: 'WARN',
          eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
          clusterArn,
          reason,
          createdAt: iso(atMs),
        }),
      );
      atMs += this.#span(90_000, 3000);
    }
    events.push(this.#steadyState(atMs + this.#span(2 * 60_000, 5000), workload));
    return events;
  }

  #startImpaired(startMs: number, workload: Workload): PlannedEvent[] {
    const { clusterArn, serviceArn } = this.#where(workload);
    return [
      this.#event(SERVICE_ACTION, startMs, workload, serviceArn, {
        eventType: 'WARN',
        eventName: 'SERVICE_TASK_START_IMPAIRED',
        clusterArn,
        createdAt: iso(startMs),
      }),
    ];
  }

  #fleet(workload: Workload): ContainerInstance[] {
    const { account, region } = this.#where(workload);
    const key = `${account} ${region} ${workload.cluster}`;
    let fleet = this.#fleets.get(key);
    if (fleet === undefined) {
      fleet = Array.from({ length: 3 }, () => ({
        arn: `arn:aws:ecs:${region}:${account}:container-instance/${workload.cluster}/${this.#random.hex(32)}`,
        ec2InstanceId: `i-0${this.#random.hex(16)}`,
        version: this.#random.int(100, 20_000),
      }));
      this.#fleets.set(key, fleet);
    }
    return fleet;
  }

  /** An agent that disconnects, and (unless lost) reconnects a few minutes later, each change a new version. */
  #agent(startMs: number, workload: Workload, reconnects: boolean): PlannedEvent[] {
    const { clusterArn } = this.#where(workload);
    const instance = this.#random.pick(this.#fleet(workload));
    const change = (atMs: number, agentConnected: boolean) => {
      instance.version += 1;
      const memory = 7680;
      return this.#event(INSTANCE, atMs, workload, instance.arn, {
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
          { name: 'CPU', type: 'INTEGER', integerValue: this.#random.int(0, 8) * 256 },
          { name: 'MEMORY', type: 'INTEGER', integerValue: this.#random.int(0, 15) * 512 },
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
    if (reconnects) events.push(change(startMs + this.#span(4 * 60_000, 10_000), true));
    return events;
  }
}
