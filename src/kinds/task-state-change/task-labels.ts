/**
 * The leading labels of every task metric (`aws_account_id`, `aws_region`,
 * `ecs_cluster`, `ecs_service`, `family`, `launch_type`), derived from the
 * event's account and region and from ECS ARNs and fields, bounded in
 * length, and interned.
 */
import { type LabelValues, labelValues } from '../../metrics/series-store.js';
import { boundLabelValue, clusterName } from '../label-values.js';

/** The task labels of a task: interned, so a series lookup needs no new string. */
export type TaskLabels = LabelValues;

/** `service:NAME` → `NAME`; a `family:…` group or anything else → empty. */
function serviceName(group: string): string {
  return group.startsWith('service:') ? boundLabelValue(group.slice(8)) : '';
}

/** `…:task-definition/FAMILY:REV` → `FAMILY`. */
function taskDefinitionFamily(taskDefinitionArn: string): string {
  const slash = taskDefinitionArn.lastIndexOf('/');
  const tail = slash === -1 ? taskDefinitionArn : taskDefinitionArn.slice(slash + 1);
  const colon = tail.lastIndexOf(':');
  return boundLabelValue(colon === -1 ? tail : tail.slice(0, colon));
}

/** Most raw field combinations remembered; past it the cache starts over. */
const INTERN_LIMIT = 20_000;

interface Interned {
  readonly account: string;
  readonly region: string;
  readonly clusterArn: string;
  readonly group: string;
  readonly launchType: string;
  readonly labels: TaskLabels;
}

/**
 * Returns the same frozen label object for the same six raw fields, so the
 * hot path allocates nothing for tasks of a known workload: one Map lookup by
 * task definition, then a short scan (a task definition rarely runs in more
 * than a cluster or two). Bounded: the cache is dropped whole when it grows
 * past its limit.
 */
export class TaskLabelInterner {
  #byDefinition = new Map<string, Interned[]>();
  #size = 0;

  intern(
    account: string,
    region: string,
    clusterArn: string,
    group: string,
    taskDefinitionArn: string,
    launchType: string,
  ): TaskLabels {
    let entries = this.#byDefinition.get(taskDefinitionArn);
    if (entries !== undefined) {
      for (const e of entries) {
        if (
          e.group === group &&
          e.launchType === launchType &&
          e.clusterArn === clusterArn &&
          e.account === account &&
          e.region === region
        ) {
          return e.labels;
        }
      }
    }
    const labels = labelValues([
      boundLabelValue(account),
      boundLabelValue(region),
      clusterName(clusterArn),
      serviceName(group),
      taskDefinitionFamily(taskDefinitionArn),
      boundLabelValue(launchType),
    ]);
    if (++this.#size > INTERN_LIMIT) {
      this.#byDefinition = new Map();
      this.#size = 0;
      return labels;
    }
    if (entries === undefined) {
      entries = [];
      this.#byDefinition.set(taskDefinitionArn, entries);
    }
    entries.push({ account, region, clusterArn, group, launchType, labels });
    return labels;
  }
}
