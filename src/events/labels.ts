/**
 * Label values derived from ECS ARNs and fields. Every value is bounded in
 * length so one odd event cannot blow up the exposition.
 */
import type { TaskLabels } from './task-event.js';

export const MAX_LABEL_VALUE_LENGTH = 128;

export function boundLabelValue(value: string): string {
  return value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
}

/** `arn:aws:ecs:region:account:cluster/NAME` → `NAME`; anything else → its last path segment. */
export function clusterName(clusterArn: string): string {
  const slash = clusterArn.lastIndexOf('/');
  return boundLabelValue(slash === -1 ? clusterArn : clusterArn.slice(slash + 1));
}

/** `service:NAME` → `NAME`; a `family:…` group or anything else → empty. */
export function serviceName(group: string): string {
  return group.startsWith('service:') ? boundLabelValue(group.slice(8)) : '';
}

/** `…:task-definition/FAMILY:REV` → `FAMILY`. */
export function taskDefinitionFamily(taskDefinitionArn: string): string {
  const slash = taskDefinitionArn.lastIndexOf('/');
  const tail = slash === -1 ? taskDefinitionArn : taskDefinitionArn.slice(slash + 1);
  const colon = tail.lastIndexOf(':');
  return boundLabelValue(colon === -1 ? tail : tail.slice(0, colon));
}

export function taskLabels(
  clusterArn: string,
  group: string,
  taskDefinitionArn: string,
  launchType: string,
): TaskLabels {
  return {
    ecs_cluster: clusterName(clusterArn),
    ecs_service: serviceName(group),
    family: taskDefinitionFamily(taskDefinitionArn),
    launch_type: boundLabelValue(launchType),
  };
}
