/** Simulated daemon service actions: a daemon that fails to start on several managed instances. */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import { managedFleet, nanoIso, pickDaemon } from '../../simulator/managed-fleet.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { DAEMON_SERVICE_ACTION_DETAIL_TYPE as DAEMON_ACTION } from './kind.js';

/** A daemon that fails to start on several instances: no memory left for it, or an image it cannot pull. */
function startFailures(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
): PlannedEvent[] {
  const { prefix, clusterArn, daemon, daemonArn } = pickDaemon(context, workload);
  const fleet = managedFleet(context, workload);
  const events: PlannedEvent[] = [];
  let atMs = startMs;
  for (const instance of fleet.slice(0, context.random.int(2, fleet.length))) {
    // Instances short of memory cannot create the task; on the others it fails to run.
    const created = context.random.next() < 0.5;
    const taskArn = `${prefix}:task/${workload.cluster}/${context.random.hex(32)}`;
    events.push(
      context.event(DAEMON_ACTION, atMs, workload, created ? [taskArn] : [], {
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
        createdAt: nanoIso(atMs, context.random),
      }),
    );
    atMs += context.span(60_000, 3000);
  }
  return events;
}

export const DAEMON_SERVICE_ACTION_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'daemon_start_failures', weight: 8, plan: startFailures },
];
