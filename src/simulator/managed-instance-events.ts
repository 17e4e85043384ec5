/**
 * Plans the events of ECS Managed Instances around services, shaped like
 * the ones the ECS developer guide documents (see test/fixtures/events):
 * daemon deployments that succeed or roll back (a rollback sometimes
 * failing), daemon tasks that fail to start on several instances, instance
 * health episodes (a GPU Xid error, an agent that disconnects, an unhealthy
 * daemon) that recover, and deployment lifecycle hooks: pause hooks that
 * wait for approval (approved, or timed out) and Lambda hooks. The managed
 * instances of each cluster and the state of their health checks are kept
 * here, so each health event carries every check as it stands. Pure: times
 * and randomness are passed in.
 */
import { INSTANCE_HEALTH_DETAIL_TYPE } from '../kinds/container-instance-health-change/kind.js';
import { DAEMON_DEPLOYMENT_DETAIL_TYPE } from '../kinds/daemon-deployment-state-change/kind.js';
import { DAEMON_SERVICE_ACTION_DETAIL_TYPE } from '../kinds/daemon-service-action/kind.js';
import { HOOK_DETAIL_TYPE } from '../kinds/hook-state-change/kind.js';
import { episodeSpan, workloadArns } from './episode-span.js';
import type { Random } from './random.js';
import {
  envelope,
  type LifecycleTimings,
  type PlannedEvent,
  type Workload,
} from './task-lifecycle.js';

export type ManagedEpisode =
  | 'daemon_deployment'
  | 'daemon_rollback'
  | 'daemon_start_failures'
  | 'instance_health'
  | 'instance_impaired'
  | 'deployment_hooks'
  | 'hook_awaiting';

const DAEMON_DEPLOYMENT = DAEMON_DEPLOYMENT_DETAIL_TYPE;
const DAEMON_ACTION = DAEMON_SERVICE_ACTION_DETAIL_TYPE;
const HEALTH = INSTANCE_HEALTH_DETAIL_TYPE;
const HOOK = HOOK_DETAIL_TYPE;

const CHECKS = [
  'CONTAINER_RUNTIME',
  'ACCELERATED_COMPUTE',
  'DAEMON',
  'AGENT_CONNECTIVITY',
] as const;
type CheckType = (typeof CHECKS)[number];
const DAEMONS = ['log-router', 'node-exporter'] as const;

/** ECS timestamps of these kinds carry nine fraction digits. */
const nanoIso = (ms: number, random: Random) =>
  new Date(ms).toISOString().replace('Z', `${String(random.int(0, 999_999)).padStart(6, '0')}Z`);

interface Check {
  status: string;
  lastStatusChangeMs: number;
  reason: string | null;
}

interface ManagedInstance {
  readonly arn: string;
  readonly ec2InstanceId: string;
  readonly capacityProvider: string;
  readonly checks: Record<CheckType, Check>;
}

export class ManagedEventPlanner {
  readonly #random: Random;
  readonly #timings: LifecycleTimings;
  readonly #fleets = new Map<string, ManagedInstance[]>();
  /** Episodes of a kind planned so far: the first and every third rollback, Lambda hook and pause hook go wrong. */
  #rollbacks = 0;
  #hookRuns = 0;

  constructor(random: Random, timings: LifecycleTimings = { runScale: 1 }) {
    this.#random = random;
    this.#timings = timings;
  }

  plan(episode: ManagedEpisode, startMs: number, workload: Workload): PlannedEvent[] {
    switch (episode) {
      case 'daemon_deployment':
        return this.#daemonDeployment(startMs, workload, false);
      case 'daemon_rollback':
        return this.#daemonDeployment(startMs, workload, true);
      case 'daemon_start_failures':
        return this.#startFailures(startMs, workload);
      case 'instance_health':
        return this.#health(startMs, workload, true);
      case 'instance_impaired':
        return this.#health(startMs, workload, false);
      case 'deployment_hooks':
        return this.#hooks(startMs, workload, true);
      case 'hook_awaiting':
        return this.#hooks(startMs, workload, false);
    }
  }

  #span(typicalMs: number, minMs = 5000): number {
    return episodeSpan(this.#random, this.#timings, typicalMs, minMs);
  }

  #where(workload: Workload) {
    return workloadArns(workload);
  }

  /** An event stamped a moment after `atMs`, with `resources` as given (absent when undefined). */
  #event(
    detailType: string,
    atMs: number,
    workload: Workload,
    resources: readonly string[] | undefined,
    detail: Record<string, unknown>,
  ): PlannedEvent {
    const { account, region } = this.#where(workload);
    const time = atMs + this.#random.int(100, 3000);
    const event = envelope(this.#random, detailType, time, '', detail, account, region);
    if (resources === undefined) delete event.resources;
    else event.resources = [...resources];
    return { atMs: time, event };
  }

  #fleet(workload: Workload): ManagedInstance[] {
    const { prefix } = this.#where(workload);
    const key = `${prefix} ${workload.cluster}`;
    let fleet = this.#fleets.get(key);
    if (fleet === undefined) {
      fleet = Array.from({ length: 4 }, (_, i) => {
        const checks = {} as Record<CheckType, Check>;
        for (const type of CHECKS)
          checks[type] = { status: 'OK', lastStatusChangeMs: 0, reason: null };
        return {
          arn: `${prefix}:container-instance/${workload.cluster}/${this.#random.hex(32)}`,
          ec2InstanceId: `i-0${this.#random.hex(16)}`,
          capacityProvider: i < 2 ? `${workload.cluster}-managed` : `${workload.cluster}-gpu`,
          checks,
        };
      });
      this.#fleets.set(key, fleet);
    }
    return fleet;
  }

  /**
   * PENDING, IN_PROGRESS, then SUCCESSFUL; or, rolled back (the circuit
   * breaker or an alarm), ROLLBACK_IN_PROGRESS and ROLLBACK_SUCCESSFUL, one
   * in three ROLLBACK_FAILED.
   */
  #daemonDeployment(startMs: number, workload: Workload, rolledBack: boolean): PlannedEvent[] {
    const { prefix, clusterArn } = this.#where(workload);
    const daemon = this.#random.pick(DAEMONS);
    const daemonArn = `${prefix}:daemon/${workload.cluster}/${daemon}`;
    const deploymentArn = `${prefix}:daemon-deployment/${workload.cluster}/${daemon}/${this.#random.hex(12)}`;
    const revision = `${prefix}:daemon-revision/${workload.cluster}/${daemon}/${this.#random.int(2, 40)}`;
    const change = (eventName: string, atMs: number, eventType = 'INFO') =>
      this.#event(DAEMON_DEPLOYMENT, atMs, workload, [deploymentArn], {
        eventType,
        eventName,
        clusterArn,
        daemonArn,
        daemonDeploymentArn: deploymentArn,
        targetDaemonRevisionArn: revision,
        updatedAt: nanoIso(atMs, this.#random),
      });
    const progressMs = startMs + this.#random.int(2000, 15_000);
    const events = [
      change('DAEMON_DEPLOYMENT_PENDING', startMs),
      change('DAEMON_DEPLOYMENT_IN_PROGRESS', progressMs),
    ];
    if (!rolledBack) {
      events.push(
        change('DAEMON_DEPLOYMENT_SUCCESSFUL', progressMs + this.#span(10 * 60_000, 20_000)),
      );
      return events;
    }
    const rollbackMs = progressMs + this.#span(6 * 60_000, 15_000);
    const failed = this.#rollbacks++ % 3 === 0;
    events.push(
      change('DAEMON_DEPLOYMENT_ROLLBACK_IN_PROGRESS', rollbackMs, 'WARN'),
      change(
        failed ? 'DAEMON_DEPLOYMENT_ROLLBACK_FAILED' : 'DAEMON_DEPLOYMENT_ROLLBACK_SUCCESSFUL',
        rollbackMs + this.#span(5 * 60_000, 15_000),
        failed ? 'ERROR' : 'INFO',
      ),
    );
    return events;
  }

  /** A daemon that fails to start on several instances: no memory left for it, or an image it cannot pull. */
  #startFailures(startMs: number, workload: Workload): PlannedEvent[] {
    const { prefix, clusterArn } = this.#where(workload);
    const daemon = this.#random.pick(DAEMONS);
    const daemonArn = `${prefix}:daemon/${workload.cluster}/${daemon}`;
    const fleet = this.#fleet(workload);
    const events: PlannedEvent[] = [];
    let atMs = startMs;
    for (const instance of fleet.slice(0, this.#random.int(2, fleet.length))) {
      // Instances short of memory cannot create the task; on the others it fails to run.
      const created = this.#random.next() < 0.5;
      const taskArn = `${prefix}:task/${workload.cluster}/${this.#random.hex(32)}`;
      events.push(
        this.#event(DAEMON_ACTION, atMs, workload, created ? [taskArn] : [], {
          eventType: 'WARNING',
          eventName: 'DAEMON_TASK_START_IMPAIRED',
          clusterArn,
          daemonArn,
          containerInstanceArn: instance.arn,
          ...(created ? { taskArn } : {}),
          failureType: created ? 'TASK_FAILED_TO_RUN' : 'TASK_CREATION_FAILED',
          reason: created
            ? `CannotPullContainerError: pull image manifest has been retried 5 time(s): ${daemon}:latest not found`
            : 'RESOURCE:MEMORY',
          createdAt: nanoIso(atMs, this.#random),
        }),
      );
      atMs += this.#span(60_000, 3000);
    }
    return events;
  }

  /**
   * One instance's check goes IMPAIRED (a GPU Xid error, the agent away, a
   * daemon unhealthy) and recovers; or, not recovering, a GPU instance loses
   * its GPU to an Xid error and then its agent, and stays so.
   */
  #health(startMs: number, workload: Workload, recovers: boolean): PlannedEvent[] {
    const { clusterArn } = this.#where(workload);
    const fleet = this.#fleet(workload);
    for (const member of fleet) {
      for (const c of CHECKS) {
        // Checks OK since before the first episode that reports them.
        if (member.checks[c].lastStatusChangeMs === 0) {
          member.checks[c].lastStatusChangeMs = startMs - 3_600_000;
        }
      }
    }
    const instance = this.#random.pick(fleet);
    const [type, reason] = this.#random.pick<[CheckType, string]>([
      ['ACCELERATED_COMPUTE', `XID_${this.#random.pick([48, 79, 94, 95])}`],
      ['ACCELERATED_COMPUTE', 'XID_79'],
      ['AGENT_CONNECTIVITY', `Agent disconnected since ${new Date(startMs).toISOString()}`],
      ['DAEMON', `Daemon task: ${this.#random.pick(DAEMONS)} is unhealthy`],
    ]);
    const report = (atMs: number, which: ManagedInstance) => {
      const impaired = CHECKS.some((c) => which.checks[c].status === 'IMPAIRED');
      return this.#event(HEALTH, atMs, workload, [which.arn], {
        clusterArn,
        containerInstanceArn: which.arn,
        capacityProviderName: which.capacityProvider,
        ec2InstanceId: which.ec2InstanceId,
        overallStatus: impaired ? 'IMPAIRED' : 'OK',
        healthChecks: CHECKS.map((c) => ({
          type: c,
          status: which.checks[c].status,
          lastStatusChange: new Date(which.checks[c].lastStatusChangeMs).toISOString(),
          lastUpdated: nanoIso(atMs, this.#random),
          statusReason: which.checks[c].reason,
        })),
      });
    };
    if (!recovers) return this.#gpuFleetLost(startMs, workload, report);
    instance.checks[type] = { status: 'IMPAIRED', lastStatusChangeMs: startMs, reason };
    const events = [report(startMs, instance)];
    const recoverMs = startMs + this.#span(5 * 60_000, 20_000);
    instance.checks[type] = { status: 'OK', lastStatusChangeMs: recoverMs, reason: null };
    events.push(report(recoverMs, instance));
    return events;
  }

  /**
   * Every GPU instance of the cluster reports an Xid error (a bad driver
   * rolled out), and then one of them loses its agent; none recovers.
   */
  #gpuFleetLost(
    startMs: number,
    workload: Workload,
    report: (atMs: number, instance: ManagedInstance) => PlannedEvent,
  ): PlannedEvent[] {
    const gpus = this.#fleet(workload).filter((i) => i.capacityProvider.endsWith('-gpu'));
    const events: PlannedEvent[] = [];
    for (const instance of gpus) {
      instance.checks.ACCELERATED_COMPUTE = {
        status: 'IMPAIRED',
        lastStatusChangeMs: startMs,
        reason: 'XID_79',
      };
      events.push(report(startMs, instance));
    }
    const lost = gpus[0] as ManagedInstance;
    const lostMs = startMs + this.#span(60_000, 5000);
    lost.checks.AGENT_CONNECTIVITY = {
      status: 'IMPAIRED',
      lastStatusChangeMs: lostMs,
      reason: `Agent disconnected since ${new Date(lostMs).toISOString()}`,
    };
    events.push(report(lostMs, lost));
    return events;
  }

  /**
   * A blue/green deployment's hooks: a Lambda hook that succeeds (every
   * third fails), and a pause hook awaiting approval that is approved, or
   * (every third other deployment) times out at its expiry; or, not
   * answered yet, still awaiting.
   */
  #hooks(startMs: number, workload: Workload, answered: boolean): PlannedEvent[] {
    const { prefix, clusterArn, serviceArn } = this.#where(workload);
    const service = workload.service ?? workload.family;
    const deploymentArn = `${prefix}:service-deployment/${workload.cluster}/${service}/${this.#random.hex(22)}`;
    const hook = (
      hookId: string,
      hookType: string,
      lifecycleStage: string,
      eventName: string,
      atMs: number,
      expiresMs: number,
    ) =>
      this.#event(HOOK, atMs, workload, this.#random.next() < 0.5 ? undefined : [serviceArn], {
        eventType: eventName === 'HOOK_FAILED' || eventName === 'HOOK_TIMED_OUT' ? 'ERROR' : 'INFO',
        eventName,
        clusterArn,
        serviceArn,
        serviceDeploymentArn: deploymentArn,
        hookId,
        hookType,
        lifecycleStage,
        expiresAt: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        updatedAt: nanoIso(atMs, this.#random),
      });
    const run = this.#hookRuns++;
    const lambda = `ecs-lambda-${this.#random.hex(24)}`;
    const lambdaEnd = startMs + this.#span(60_000, 3000);
    const expiresLambda = startMs + 15 * 60_000;
    const events = [
      hook(lambda, 'AWS_LAMBDA', 'POST_SCALE_UP', 'HOOK_IN_PROGRESS', startMs, expiresLambda),
      hook(
        lambda,
        'AWS_LAMBDA',
        'POST_SCALE_UP',
        run % 3 === 0 ? 'HOOK_FAILED' : 'HOOK_SUCCEEDED',
        lambdaEnd,
        expiresLambda,
      ),
    ];
    const pause = `ecs-pause-${this.#random.hex(32)}`;
    const waitMs = lambdaEnd + this.#random.int(1000, 5000);
    const timeoutMs = Math.max(60_000, Math.round(10 * 60_000 * this.#timings.runScale));
    const expiresMs = waitMs + timeoutMs;
    const timesOut = run % 3 === 1;
    events.push(
      hook(pause, 'PAUSE', 'POST_TEST_TRAFFIC_SHIFT', 'HOOK_AWAITING_ACTION', waitMs, expiresMs),
    );
    // Not answered yet: the deployment waits.
    if (!answered) return events;
    events.push(
      hook(
        pause,
        'PAUSE',
        'POST_TEST_TRAFFIC_SHIFT',
        timesOut ? 'HOOK_TIMED_OUT' : 'HOOK_SUCCEEDED',
        timesOut ? expiresMs : waitMs + Math.min(timeoutMs - 1000, this.#span(4 * 60_000, 10_000)),
        expiresMs,
      ),
    );
    return events;
  }
}
