/**
 * What the smaller ECS event kinds share: their detail object, their event
 * time, and the account, region, cluster and service labels taken from the
 * envelope, `detail.clusterArn` and the resource ARN.
 */
import { type LabelValues, labelValues } from '../metrics/series-store.js';
import { boundLabelValue, clusterName, resourcePath, stringField } from './label-values.js';
import { parseTime } from './parse-time.js';

export type Detail = Record<string, unknown>;

/** `detail` when it is an object, else undefined. */
export function detailOf(event: Record<string, unknown>): Detail | undefined {
  const detail = event.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return undefined;
  return detail as Detail;
}

/** Event `time` in ms since the epoch; NaN when absent or unparseable. */
export function eventTimeMs(event: Record<string, unknown>): number {
  return typeof event.time === 'string' ? parseTime(event.time) : Number.NaN;
}

/** The first resource ARN of the event, or ''. */
export function firstResource(event: Record<string, unknown>): string {
  const resources = event.resources;
  return Array.isArray(resources) ? stringField(resources[0]) : '';
}

/**
 * Checks that the named fields of `detail` are strings when present; the
 * reason for the first that is not, else undefined.
 */
export function wrongType(detail: Detail, optionalStrings: readonly string[]): string | undefined {
  for (const name of optionalStrings) {
    const value = detail[name];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return `detail.${name} is not a string`;
    }
  }
  return undefined;
}

/** `aws_account_id`, `aws_region`, `ecs_cluster` (from detail.clusterArn, else the resource ARN). */
export function clusterLabels(
  event: Record<string, unknown>,
  detail: Detail,
  resourceArn: string,
): string[] {
  const clusterArn = stringField(detail.clusterArn);
  return [
    boundLabelValue(stringField(event.account)),
    boundLabelValue(stringField(event.region)),
    clusterArn !== '' ? clusterName(clusterArn) : resourcePath(resourceArn).cluster,
  ];
}

/** The cluster labels and `ecs_service`: the last segment of the service ARN in `resources[0]`. */
export function serviceLabels(event: Record<string, unknown>, detail: Detail): LabelValues {
  const resource = firstResource(event);
  return labelValues([...clusterLabels(event, detail, resource), resourcePath(resource).name]);
}
