/**
 * Label values taken from events are bounded in length, so one odd event
 * cannot blow up the exposition.
 */
export const MAX_LABEL_VALUE_LENGTH = 128;

export function boundLabelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE_LENGTH) return value;
  // Never cut between the two halves of a surrogate pair.
  const last = value.charCodeAt(MAX_LABEL_VALUE_LENGTH - 1);
  const end =
    last >= 0xd800 && last <= 0xdbff ? MAX_LABEL_VALUE_LENGTH - 1 : MAX_LABEL_VALUE_LENGTH;
  return value.slice(0, end);
}

/** `arn:aws:ecs:region:account:cluster/NAME` → `NAME`; anything else → its last path segment. */
export function clusterName(clusterArn: string): string {
  const slash = clusterArn.lastIndexOf('/');
  return boundLabelValue(slash === -1 ? clusterArn : clusterArn.slice(slash + 1));
}

/**
 * An ECS resource ARN's path after its type: `…:service/CLUSTER/NAME` →
 * { cluster: CLUSTER, name: NAME }; the old `…:service/NAME` form (no
 * cluster) → { cluster: '', name: NAME }. Bounded in length.
 */
export function resourcePath(arn: string): { cluster: string; name: string } {
  const colon = arn.lastIndexOf(':');
  const resource = colon === -1 ? arn : arn.slice(colon + 1);
  const parts = resource.split('/');
  if (parts.length >= 3) {
    return {
      cluster: boundLabelValue(parts[1] as string),
      name: boundLabelValue(parts[parts.length - 1] as string),
    };
  }
  return { cluster: '', name: boundLabelValue(parts.length === 2 ? (parts[1] as string) : '') };
}

/** A string field of an event, or '' when absent or of another type. */
export function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
