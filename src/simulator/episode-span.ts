/**
 * What the planners of episodes around tasks share: how long a step of an
 * episode takes, and where a workload lives (its account, region, cluster
 * and service ARNs). Pure: randomness is passed in.
 */
import type { Random } from './random.js';
import { ACCOUNT, type LifecycleTimings, REGION, type Workload } from './task-lifecycle.js';

/** A span of about `typicalMs` (half to one and a half times it), scaled for a live demo, never under `minMs`. */
export function episodeSpan(
  random: Random,
  timings: LifecycleTimings,
  typicalMs: number,
  minMs = 5000,
): number {
  const ms = typicalMs * (0.5 + random.next()) * timings.runScale;
  return Math.round(Math.max(minMs, ms));
}

/** The account, region, ARN prefix, cluster ARN and service ARN of a workload. */
export function workloadArns(workload: Workload) {
  const account = workload.account ?? ACCOUNT;
  const region = workload.region ?? REGION;
  const prefix = `arn:aws:ecs:${region}:${account}`;
  return {
    account,
    region,
    prefix,
    clusterArn: `${prefix}:cluster/${workload.cluster}`,
    serviceArn: `${prefix}:service/${workload.cluster}/${workload.service ?? workload.family}`,
  };
}
