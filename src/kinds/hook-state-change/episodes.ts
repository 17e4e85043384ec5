/**
 * Simulated deployment hooks: a blue/green deployment's Lambda hook and pause
 * hook, the first and every third Lambda hook of the corpus failing, every
 * third other pause hook timing out; or a pause hook still awaiting action.
 */

import type { EpisodeContext } from '../../simulator/episode-context.js';
import { nanoIso } from '../../simulator/managed-fleet.js';
import type { PlannedEvent, Workload } from '../../simulator/task-lifecycle.js';
import type { SimulatedEpisode } from '../kind.js';
import { HOOK_DETAIL_TYPE as HOOK } from './kind.js';

/** Hook episodes planned so far in the corpus. */
const hookRuns = (context: EpisodeContext) => context.memory('hook runs', () => ({ n: 0 }));

/**
 * A blue/green deployment's hooks: a Lambda hook that succeeds (every
 * third fails), and a pause hook awaiting approval that is approved, or
 * (every third other deployment) times out at its expiry; or, not
 * answered yet, still awaiting.
 */
function hooks(
  context: EpisodeContext,
  startMs: number,
  workload: Workload,
  answered: boolean,
): PlannedEvent[] {
  const { prefix, clusterArn, serviceArn } = context.where(workload);
  const service = workload.service ?? workload.family;
  const deploymentArn = `${prefix}:service-deployment/${workload.cluster}/${service}/${context.random.hex(22)}`;
  const hook = (
    hookId: string,
    hookType: string,
    lifecycleStage: string,
    eventName: string,
    atMs: number,
    expiresMs: number,
  ) =>
    context.event(HOOK, atMs, workload, context.random.next() < 0.5 ? undefined : [serviceArn], {
      eventType: eventName === 'HOOK_FAILED' || eventName === 'HOOK_TIMED_OUT' ? 'ERROR' : 'INFO',
      eventName,
      clusterArn,
      serviceArn,
      serviceDeploymentArn: deploymentArn,
      hookId,
      hookType,
      lifecycleStage,
      expiresAt: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updatedAt: nanoIso(atMs, context.random),
    });
  const run = hookRuns(context).n++;
  const lambda = `ecs-lambda-${context.random.hex(24)}`;
  const lambdaEnd = startMs + context.span(60_000, 3000);
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
  const pause = `ecs-pause-${context.random.hex(32)}`;
  const waitMs = lambdaEnd + context.random.int(1000, 5000);
  const timeoutMs = Math.max(60_000, Math.round(10 * 60_000 * context.timings.runScale));
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
      timesOut ? expiresMs : waitMs + Math.min(timeoutMs - 1000, context.span(4 * 60_000, 10_000)),
      expiresMs,
    ),
  );
  return events;
}

export const HOOK_EPISODES: readonly SimulatedEpisode[] = [
  { name: 'deployment_hooks', weight: 8, plan: (c, at, w) => hooks(c, at, w, true) },
  // Only when asked for by name: what stays broken keeps its alert firing.
  { name: 'hook_awaiting', weight: 0, plan: (c, at, w) => hooks(c, at, w, false) },
];
