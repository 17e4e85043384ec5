/**
 * The envelope of the kinds' sample events (check-pattern judges patterns
 * against them): one account, region, cluster and time, as the simulator's
 * task lifecycles use, so a pattern's scope reads the same on every kind.
 */
import { ACCOUNT, REGION } from '../simulator/task-lifecycle.js';
import type { SampleEvent } from './kind.js';

export const SAMPLE_CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
export const SAMPLE_SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`;

/** An ARN of the sample account and region: `arn:aws:ecs:…:${path}`. */
export const sampleArn = (path: string): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:${path}`;

/** An aws.ecs event of `detailType` named `name`; `resources` left out when undefined, as some kinds send them. */
export function sample(
  name: string,
  detailType: string,
  resources: readonly string[] | undefined,
  detail: Record<string, unknown>,
): SampleEvent {
  const event = {
    version: '0',
    id: `0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f${detailType.length % 10}`,
    'detail-type': detailType,
    source: 'aws.ecs',
    account: ACCOUNT,
    time: '2024-03-04T10:30:00Z',
    region: REGION,
    ...(resources === undefined ? {} : { resources }),
    detail,
  };
  return { name, event };
}
