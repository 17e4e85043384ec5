/**
 * Label values derived from ECS ARNs and fields. Every value is bounded in
 * length so one odd event cannot blow up the exposition.
 */
import type { TaskLabels } from './task-event.js';

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

function buildTaskLabels(
  clusterArn: string,
  group: string,
  taskDefinitionArn: string,
  launchType: string,
): TaskLabels {
  return Object.freeze({
    ecs_cluster: clusterName(clusterArn),
    ecs_service: serviceName(group),
    family: taskDefinitionFamily(taskDefinitionArn),
    launch_type: boundLabelValue(launchType),
  });
}

/** Most raw field combinations remembered; past it the cache starts over. */
const INTERN_LIMIT = 20_000;

interface Interned {
  readonly clusterArn: string;
  readonly group: string;
  readonly launchType: string;
  readonly labels: TaskLabels;
}

/**
 * Returns the same frozen label object for the same four raw fields, so the
 * hot path allocates nothing for tasks of a known workload: one Map lookup by
 * task definition, then a short scan (a task definition rarely runs in more
 * than a cluster or two). Bounded: the cache is dropped whole when it grows
 * past its limit.
 */
export class TaskLabelInterner {
  #byDefinition = new Map<string, Interned[]>();
  #size = 0;

  intern(
    clusterArn: string,
    group: string,
    taskDefinitionArn: string,
    launchType: string,
  ): TaskLabels {
    let entries = this.#byDefinition.get(taskDefinitionArn);
    if (entries !== undefined) {
      for (const e of entries) {
        if (e.group === group && e.launchType === launchType && e.clusterArn === clusterArn) {
          return e.labels;
        }
      }
    }
    const labels = buildTaskLabels(clusterArn, group, taskDefinitionArn, launchType);
    if (++this.#size > INTERN_LIMIT) {
      this.#byDefinition = new Map();
      this.#size = 0;
      return labels;
    }
    if (entries === undefined) {
      entries = [];
      this.#byDefinition.set(taskDefinitionArn, entries);
    }
    entries.push({ clusterArn, group, launchType, labels });
    return labels;
  }
}
