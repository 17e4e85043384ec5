/**
 * Every event kind the exporter reads: the one place the pipeline and the
 * catalog learn about them. Adding a kind is a folder beside this file and
 * a line here.
 */
import type { MetricSpec } from '../metrics/metric-spec.js';
import { CONTAINER_INSTANCE_HEALTH_CHANGE } from './container-instance-health-change/kind.js';
import { CONTAINER_INSTANCE_STATE_CHANGE } from './container-instance-state-change/kind.js';
import { DAEMON_DEPLOYMENT_STATE_CHANGE } from './daemon-deployment-state-change/kind.js';
import { DAEMON_SERVICE_ACTION } from './daemon-service-action/kind.js';
import { DEPLOYMENT_STATE_CHANGE } from './deployment-state-change/kind.js';
import { FRESHNESS_METRICS } from './freshness.js';
import { HOOK_STATE_CHANGE } from './hook-state-change/kind.js';
import type { EventKind } from './kind.js';
import { SERVICE_ACTION } from './service-action/kind.js';
import { TASK_STATE_CHANGE } from './task-state-change/kind.js';

export const EVENT_KINDS = [
  TASK_STATE_CHANGE,
  DEPLOYMENT_STATE_CHANGE,
  SERVICE_ACTION,
  CONTAINER_INSTANCE_STATE_CHANGE,
  DAEMON_DEPLOYMENT_STATE_CHANGE,
  DAEMON_SERVICE_ACTION,
  CONTAINER_INSTANCE_HEALTH_CHANGE,
  HOOK_STATE_CHANGE,
] as const satisfies readonly EventKind[];

/** The metric families recorded from events of `kinds`: each kind's, and the freshness of each account and region. */
export function eventMetricsOf(kinds: readonly EventKind[]): readonly MetricSpec[] {
  return [...kinds.flatMap((k) => k.metrics), ...FRESHNESS_METRICS];
}

export const EVENT_METRICS: readonly MetricSpec[] = eventMetricsOf(EVENT_KINDS);
