/**
 * Simulated daemon deployments: PENDING, IN_PROGRESS, then SUCCESSFUL; or
 * rolled back, the first and every third rollback of the corpus failing.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import { nanoIso, pickDaemon } from '../../simulator/managed-fleet.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { DAEMON_DEPLOYMENT_DETAIL_TYPE as DAEMON_DEPLOYMENT } from './kind.js';

/** Rollbacks planned so far in the corpus. */
const rollbacks = (context: EpisodeContext) => context.memory('daemon rollbacks', () => ({ n: 0 }));

/**
 * PENDING, IN_PROGRESS, then SUCCESSFUL; or, rolled back (the circuit
 * breaker or an alarm), ROLLBACK_IN_PROGRESS and ROLLBACK_SUCCESSFUL, one
 * in three ROLLBACK_FAILED.
 */
function daemonDeployment(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
  rolledBack: boolean,
): PlannedEvent[] {
  const { prefix, clusterArn, daemon, daemonArn } = pickDaemon(context, workload);
  const deploymentArn = `${prefix}:daemon-deployment/${workload.cluster}/${daemon}/${context.random.hex(12)}`;
  const revision = `${prefix}:daemon-revision/${workload.cluster}/${daemon}/${context.random.int(2, 40)}`;
  const change = (eventName: string, atMs: number, eventType = 'INFO') =>
    context.event(DAEMON_DEPLOYMENT, atMs, workload, [deploymentArn], {
      eventType,
      eventName,
      clusterArn,
      daemonArn,
      daemonDeploymentArn: deploymentArn,
      targetDaemonRevisionArn: revision,
      updatedAt: nanoIso(atMs, context.random),
    });
  const progressMs = startMs + context.random.int(2000, 15_000);
  const events = [
    change('DAEMON_DEPLOYMENT_PENDING', startMs),
    change('DAEMON_DEPLOYMENT_IN_PROGRESS', progressMs),
  ];
  if (!rolledBack) {
    events.push(
      change('DAEMON_DEPLOYMENT_SUCCESSFUL', progressMs + context.span(10 * 60_000, 20_000)),
    );
    return events;
  }
  const rollbackMs = progressMs + context.span(6 * 60_000, 15_000);
  const failed = rollbacks(context).n++ % 3 === 0;
  events.push(
    change('DAEMON_DEPLOYMENT_ROLLBACK_IN_PROGRESS', rollbackMs, 'WARN'),
    change(
      failed ? 'DAEMON_DEPLOYMENT_ROLLBACK_FAILED' : 'DAEMON_DEPLOYMENT_ROLLBACK_SUCCESSFUL',
      rollbackMs + context.span(5 * 60_000, 15_000),
      failed ? 'ERROR' : 'INFO',
    ),
  );
  return events;
}

export const DAEMON_DEPLOYMENT_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'daemon_deployment', weight: 10, plan: (c, at, w) => daemonDeployment(c, at, w, false) },
  { name: 'daemon_rollback', weight: 4, plan: (c, at, w) => daemonDeployment(c, at, w, true) },
];
