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
