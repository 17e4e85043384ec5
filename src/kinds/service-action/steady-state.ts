/**
 * A service steady again, as the simulator plans it after a deployment
 * (kinds/deployment-state-change/episodes.ts) or a shortage (episodes.ts).
 */
import type { EpisodeContext } from '../../simulator/episode-context.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import { SERVICE_ACTION_DETAIL_TYPE } from './kind.js';

export function steadyState(
  context: EpisodeContext,
  atMs: number,
  workload: Workload,
): PlannedEvent {
  const { clusterArn, serviceArn } = context.where(workload);
  return context.event(SERVICE_ACTION_DETAIL_TYPE, atMs, workload, [serviceArn], {
    eventType: 'INFO',
    eventName: 'SERVICE_STEADY_STATE',
    clusterArn,
    createdAt: new Date(atMs).toISOString(),
  });
}
