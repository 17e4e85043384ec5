/**
 * Simulated deployments: IN_PROGRESS then COMPLETED, or failed and rolled
 * back by the circuit breaker to the service's last good deployment, which
 * is remembered per service for the corpus.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { steadyState } from '../service-action/steady-state.js';
import { DEPLOYMENT_DETAIL_TYPE as DEPLOYMENT } from './kind.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Per service ARN, its last completed deployment. */
const lastGood = (context: EpisodeContext) =>
  context.memory('last good deployments', () => new Map<string, string>());

/**
 * IN_PROGRESS, then COMPLETED and the service steady; or, rolled back, the
 * circuit breaker's FAILED naming the deployment it rolls back to, then the
 * IN_PROGRESS of the rollback, and the service steady on the old version.
 */
function deployment(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
  rolledBack: boolean,
): PlannedEvent[] {
  const { serviceArn } = context.where(workload);
  const id = `ecs-svc/${context.random.int(1e15, 9e15)}`;
  const previous = lastGood(context).get(serviceArn) ?? `ecs-svc/${context.random.int(1e15, 9e15)}`;
  const detail = (eventType: string, eventName: string, atMs: number, reason: string) => ({
    eventType,
    eventName,
    deploymentId: id,
    updatedAt: iso(atMs),
    reason,
  });
  const events = [
    context.event(
      DEPLOYMENT,
      startMs,
      workload,
      [serviceArn],
      detail(
        'INFO',
        'SERVICE_DEPLOYMENT_IN_PROGRESS',
        startMs,
        `ECS deployment ${id} in progress.`,
      ),
    ),
  ];
  if (!rolledBack) {
    const endMs = startMs + context.span(6 * 60_000, 20_000);
    events.push(
      context.event(
        DEPLOYMENT,
        endMs,
        workload,
        [serviceArn],
        detail('INFO', 'SERVICE_DEPLOYMENT_COMPLETED', endMs, `ECS deployment ${id} completed.`),
      ),
      steadyState(context, endMs + context.span(30_000, 2000), workload),
    );
    lastGood(context).set(serviceArn, id);
    return events;
  }
  // The circuit breaker trips after a number of failed launches: longer than a good deployment.
  const failedMs = startMs + context.span(12 * 60_000, 30_000);
  const cause = context.random.pick([
    'tasks failed to start',
    'task failed to start',
    'tasks failed ELB health checks',
  ]);
  const rollbackMs = failedMs + context.random.int(500, 3000);
  events.push(
    context.event(
      DEPLOYMENT,
      failedMs,
      workload,
      [serviceArn],
      detail(
        'ERROR',
        'SERVICE_DEPLOYMENT_FAILED',
        failedMs,
        `ECS deployment circuit breaker: ${cause}. Rolling back to deploymentId ${previous}.`,
      ),
    ),
    context.event(
      DEPLOYMENT,
      rollbackMs,
      workload,
      [serviceArn],
      detail(
        'INFO',
        'SERVICE_DEPLOYMENT_IN_PROGRESS',
        rollbackMs,
        `ECS deployment circuit breaker: rolling back to deploymentId ${previous}.`,
      ),
    ),
    steadyState(context, rollbackMs + context.span(4 * 60_000, 10_000), workload),
  );
  return events;
}

export const DEPLOYMENT_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'deployment', weight: 40, plan: (c, at, w) => deployment(c, at, w, false) },
  { name: 'rollback', weight: 8, plan: (c, at, w) => deployment(c, at, w, true) },
];
