/**
 * Simulated instance health: one check of a managed instance goes IMPAIRED
 * and recovers; or a GPU fleet loses its GPUs and then an agent, and stays so.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import {
  CHECKS,
  type CheckType,
  DAEMONS,
  type ManagedInstance,
  managedFleet,
  nanoIso,
} from '../../simulator/managed-fleet.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { INSTANCE_HEALTH_DETAIL_TYPE as HEALTH } from './kind.js';

/**
 * One instance's check goes IMPAIRED (a GPU Xid error, the agent away, a
 * daemon unhealthy) and recovers; or, not recovering, a GPU instance loses
 * its GPU to an Xid error and then its agent, and stays so.
 */
function health(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
  recovers: boolean,
): PlannedEvent[] {
  const { clusterArn } = context.where(workload);
  const fleet = managedFleet(context, workload);
  for (const member of fleet) {
    for (const c of CHECKS) {
      // Checks OK since before the first episode that reports them.
      if (member.checks[c].lastStatusChangeMs === 0) {
        member.checks[c].lastStatusChangeMs = startMs - 3_600_000;
      }
    }
  }
  const instance = context.random.pick(fleet);
  const [type, reason] = context.random.pick<[CheckType, string]>([
    ['ACCELERATED_COMPUTE', `XID_${context.random.pick([48, 79, 94, 95])}`],
    ['ACCELERATED_COMPUTE', 'XID_79'],
    ['AGENT_CONNECTIVITY', `Agent disconnected since ${new Date(startMs).toISOString()}`],
    ['DAEMON', `Daemon task: ${context.random.pick(DAEMONS)} is unhealthy`],
  ]);
  const report = (atMs: number, which: ManagedInstance) => {
    const impaired = CHECKS.some((c) => which.checks[c].status === 'IMPAIRED');
    return context.event(HEALTH, atMs, workload, [which.arn], {
      clusterArn,
      containerInstanceArn: which.arn,
      capacityProviderName: which.capacityProvider,
      ec2InstanceId: which.ec2InstanceId,
      overallStatus: impaired ? 'IMPAIRED' : 'OK',
      healthChecks: CHECKS.map((c) => ({
        type: c,
        status: which.checks[c].status,
        lastStatusChange: new Date(which.checks[c].lastStatusChangeMs).toISOString(),
        lastUpdated: nanoIso(atMs, context.random),
        statusReason: which.checks[c].reason,
      })),
    });
  };
  if (!recovers) return gpuFleetLost(context, startMs, workload, report);
  instance.checks[type] = { status: 'IMPAIRED', lastStatusChangeMs: startMs, reason };
  const events = [report(startMs, instance)];
  const recoverMs = startMs + context.span(5 * 60_000, 20_000);
  instance.checks[type] = { status: 'OK', lastStatusChangeMs: recoverMs, reason: null };
  events.push(report(recoverMs, instance));
  return events;
}

/**
 * Every GPU instance of the cluster reports an Xid error (a bad driver
 * rolled out), and then one of them loses its agent; none recovers.
 */
function gpuFleetLost(
  context: EpisodeContext,

  startMs: number,
  workload: Workload,
  report: (atMs: number, instance: ManagedInstance) => PlannedEvent,
): PlannedEvent[] {
  const gpus = managedFleet(context, workload).filter((i) => i.capacityProvider.endsWith('-gpu'));
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
  const lostMs = startMs + context.span(60_000, 5000);
  lost.checks.AGENT_CONNECTIVITY = {
    status: 'IMPAIRED',
    lastStatusChangeMs: lostMs,
    reason: `Agent disconnected since ${new Date(lostMs).toISOString()}`,
  };
  events.push(report(lostMs, lost));
  return events;
}

export const INSTANCE_HEALTH_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'instance_health', weight: 12, plan: (c, at, w) => health(c, at, w, true) },
  // Only when asked for by name: what stays broken keeps its alert firing.
  { name: 'instance_impaired', weight: 0, plan: (c, at, w) => health(c, at, w, false) },
];
