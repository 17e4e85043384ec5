/**
 * Simulated service actions: the scheduler failing to place tasks while a
 * cluster is short of memory, CPU or Fargate capacity, until capacity is
 * added; a service whose task starts are impaired; and the steady state a
 * service reaches after a deployment or a shortage.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { SERVICE_ACTION_DETAIL_TYPE as SERVICE_ACTION } from './kind.js';
import { steadyState } from './steady-state.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The scheduler retrying every minute or so and finding no room, until capacity is added. */
function placementPressure(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
): PlannedEvent[] {
  const { clusterArn, serviceArn } = context.where(workload);
  // EC2 clusters run short of memory or CPU; Fargate of its own capacity.
  const reason = context.random.pick([
    'RESOURCE:MEMORY',
    'RESOURCE:MEMORY',
    'RESOURCE:CPU',
    'RESOURCE:FARGATE',
  ]);
  const failures = context.random.int(2, 7);
  const events: PlannedEvent[] = [];
  let atMs = startMs;
  for (let i = 0; i < failures; i++) {
    events.push(
      context.event(SERVICE_ACTION, atMs, workload, [serviceArn], {
        eventType: 'WARN',
        eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
        clusterArn,
        reason,
        createdAt: iso(atMs),
      }),
    );
    atMs += context.span(90_000, 3000);
  }
  events.push(steadyState(context, atMs + context.span(2 * 60_000, 5000), workload));
  return events;
}

function startImpaired(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
): PlannedEvent[] {
  const { clusterArn, serviceArn } = context.where(workload);
  return [
    context.event(SERVICE_ACTION, startMs, workload, [serviceArn], {
      eventType: 'WARN',
      eventName: 'SERVICE_TASK_START_IMPAIRED',
      clusterArn,
      createdAt: iso(startMs),
    }),
  ];
}

export const SERVICE_ACTION_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'placement_pressure', weight: 16, plan: placementPressure },
  { name: 'start_impaired', weight: 4, plan: startImpaired },
];
