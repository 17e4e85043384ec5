/**
 * The labels of what ECS did, as the kinds record them: what each means, its
 * bound (see LabelSpec), and the values ECS documents for each bounded one.
 * Handed to the series store (which bounds by it) and to the generated docs.
 */
import { type LabelSpec, OTHER } from '../metrics/metric-spec.js';
import { STOP_REASON_NAMES } from './task-state-change/stop-reason.js';
import {
  EXIT_CODES,
  KNOWN_LAUNCH_TYPES,
  KNOWN_STOP_CODES,
  KNOWN_TASK_STATUSES,
} from './task-state-change/task-vocabulary.js';

/** AWS Regions (commercial, China and GovCloud), as events name them. */
const KNOWN_AWS_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-south-1',
  'eu-south-2',
  'eu-north-1',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
  'cn-north-1',
  'cn-northwest-1',
  'us-gov-east-1',
  'us-gov-west-1',
  '',
] as const;

/** Task placement failure reasons ECS documents for service actions, and `none`. */
const KNOWN_ACTION_REASONS = [
  'none',
  'RESOURCE:CPU',
  'RESOURCE:MEMORY',
  'RESOURCE:GPU',
  'RESOURCE:ENI',
  'RESOURCE:PORTS',
  'RESOURCE:PORTS_TCP',
  'RESOURCE:PORTS_UDP',
  'RESOURCE:FARGATE',
  'AttributeConstraint',
  'MemberOfConstraint',
  'DistinctInstanceConstraint',
] as const;

/** Service action event names ECS documents (INFO, WARN and ERROR events). */
const KNOWN_SERVICE_EVENT_NAMES = [
  'SERVICE_STEADY_STATE',
  'TASKSET_STEADY_STATE',
  'CAPACITY_PROVIDER_STEADY_STATE',
  'SERVICE_DESIRED_COUNT_UPDATED',
  'SERVICE_TASK_START_IMPAIRED',
  'SERVICE_DISCOVERY_INSTANCE_UNHEALTHY',
  'SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED',
  'ECS_OPERATION_THROTTLED',
  'SERVICE_DISCOVERY_OPERATION_THROTTLED',
  'SERVICE_TASK_PLACEMENT_FAILURE',
  'SERVICE_TASK_CONFIGURATION_FAILURE',
  'SERVICE_HEALTH_UNKNOWN',
  'VPC_LATTICE_TARGET_UNHEALTHY',
] as const;

/** Daemon deployment statuses (`eventName` without `DAEMON_DEPLOYMENT_`, lower case). */
export const KNOWN_DAEMON_DEPLOYMENT_STATUSES = [
  'pending',
  'in_progress',
  'successful',
  'stopped',
  'stop_requested',
  'rollback_in_progress',
  'rollback_successful',
  'rollback_failed',
] as const;

/** Container instance health check statuses ECS documents. */
const KNOWN_HEALTH_STATUSES = ['OK', 'IMPAIRED', 'INSUFFICIENT_DATA', 'INITIALIZING'] as const;

/** Deployment lifecycle hook statuses (`eventName` without `HOOK_`, lower case). */
export const KNOWN_HOOK_STATUSES = [
  'in_progress',
  'awaiting_action',
  'succeeded',
  'failed',
  'timed_out',
] as const;

/** Container instance health check types ECS documents, and `overall` for `overallStatus`. */
const KNOWN_HEALTH_CHECKS = [
  'overall',
  'CONTAINER_RUNTIME',
  'ACCELERATED_COMPUTE',
  'DAEMON',
  'AGENT_CONNECTIVITY',
] as const;

/** Deployment lifecycle stages a hook can run at. */
const KNOWN_LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;

/** Reasons of a container instance health check, by class (see `ecs_container_instance_health_changes_total`). */
const KNOWN_HEALTH_REASONS = ['none', 'daemon_unhealthy', 'agent_disconnected'] as const;

/** Container instance statuses ECS documents. */
const KNOWN_INSTANCE_STATUSES = [
  'REGISTERING',
  'REGISTRATION_FAILED',
  'ACTIVE',
  'DRAINING',
  'DEREGISTERING',
  'INACTIVE',
] as const;

/** Every label of every metric the kinds record: the one place its meaning and its bound are written. */
export const EVENT_LABELS: Readonly<Record<string, LabelSpec>> = {
  aws_account_id: {
    bound: 'unbounded',
    leading: true,
    doc: "The event's `account`: the AWS account the ECS resource belongs to (one stream often carries many accounts through a cross-account event bus); empty if absent.",
  },
  aws_region: {
    bound: 'bounded',
    leading: true,
    known: KNOWN_AWS_REGIONS,
    doc: "The event's `region` (`us-east-1`, `eu-west-1`, …); empty if absent.",
  },
  ecs_cluster: {
    bound: 'unbounded',
    leading: true,
    doc: 'Cluster name: the last path segment of `detail.clusterArn`.',
  },
  ecs_service: {
    bound: 'unbounded',
    leading: true,
    doc: 'Service name from `detail.group` = `service:NAME` (task metrics), the service ARN in `resources[0]` (deployments, service actions) or `detail.serviceArn` (hooks); empty for tasks not started by a service.',
  },
  family: {
    bound: 'unbounded',
    leading: true,
    doc: 'Task definition family, from `detail.taskDefinitionArn` (`…:task-definition/FAMILY:REV`).',
  },
  launch_type: {
    bound: 'bounded',
    leading: true,
    known: KNOWN_LAUNCH_TYPES,
    doc: '`detail.launchType` as ECS sends it (`FARGATE`, `EC2`, `EXTERNAL`, `MANAGED_INSTANCES`, …); empty if absent.',
  },
  last_status: {
    bound: 'bounded',
    known: KNOWN_TASK_STATUSES,
    doc: '`detail.lastStatus` the task reached (`PROVISIONING`, `PENDING`, `ACTIVATING`, `RUNNING`, `DEACTIVATING`, `STOPPING`, `DEPROVISIONING`, `STOPPED`, …).',
  },
  stop_code: {
    bound: 'bounded',
    known: KNOWN_STOP_CODES,
    doc: '`detail.stopCode` (`EssentialContainerExited`, `TaskFailedToStart`, `UserInitiated`, `ServiceSchedulerInitiated`, `SpotInterruption`, `TerminationNotice`, …) or `none` when the event has none.',
  },
  reason: {
    bound: 'bounded',
    known: [...STOP_REASON_NAMES, OTHER, ...KNOWN_ACTION_REASONS, ...KNOWN_HEALTH_REASONS],
    doc: 'On task metrics: the bounded class of the stop reason (see the table of reason classes below). On `ecs_service_action_events_total`: `detail.reason` as ECS sends it (`RESOURCE:MEMORY`, `RESOURCE:CPU`, `RESOURCE:FARGATE`, …), or `none`. On `ecs_daemon_task_start_impaired_total`: the `RESOURCE:<NAME>` token the reason starts with, else its stop reason class. On `ecs_container_instance_health_changes_total`: `XID_<n>` (a GPU Xid error) as ECS sends it, `daemon_unhealthy`, `agent_disconnected`, `none` (no reason) or `other`.',
  },
  outcome: {
    bound: 'closed',
    doc: 'What became of a deployment: `started`, `completed`, `failed` or `rolled_back` (the deployment circuit breaker rolled it back); of a daemon deployment, its first terminal status: `successful`, `stopped`, `rollback_successful` or `rollback_failed`.',
  },
  event_name: {
    bound: 'bounded',
    known: KNOWN_SERVICE_EVENT_NAMES,
    doc: '`detail.eventName` of a service action (`SERVICE_STEADY_STATE`, `SERVICE_TASK_PLACEMENT_FAILURE`, `SERVICE_TASK_START_IMPAIRED`, `CAPACITY_PROVIDER_STEADY_STATE`, …).',
  },
  event_type: {
    bound: 'bounded',
    known: ['INFO', 'WARN', 'WARNING', 'ERROR'],
    doc: '`detail.eventType` of a service action: `INFO`, `WARN` or `ERROR` (`WARNING` in newer events).',
  },
  status: {
    bound: 'bounded',
    known: [
      ...KNOWN_INSTANCE_STATUSES,
      ...KNOWN_HEALTH_STATUSES,
      ...KNOWN_DAEMON_DEPLOYMENT_STATUSES,
      ...KNOWN_HOOK_STATUSES,
    ],
    doc: 'Container instance `detail.status` (`ACTIVE`, `DRAINING`, `REGISTERING`, `DEREGISTERING`, `INACTIVE`, `REGISTRATION_FAILED`); a health check status (`OK`, `IMPAIRED`, `INSUFFICIENT_DATA`, `INITIALIZING`); a daemon deployment status (`pending`, `in_progress`, `successful`, `stopped`, `stop_requested`, `rollback_in_progress`, `rollback_successful`, `rollback_failed`); a hook status (`in_progress`, `awaiting_action`, `succeeded`, `failed`, `timed_out`). Names ECS adds later are kept, bounded.',
  },
  daemon: {
    bound: 'unbounded',
    doc: 'ECS Managed Daemon name: the last segment of `detail.daemonArn`.',
  },
  failure_type: {
    bound: 'bounded',
    known: ['TASK_FAILED_TO_RUN', 'TASK_CREATION_FAILED'],
    doc: 'Why a daemon task did not start: `TASK_FAILED_TO_RUN` (created, never RUNNING) or `TASK_CREATION_FAILED` (not created).',
  },
  capacity_provider: {
    bound: 'unbounded',
    doc: "The container instance's `detail.capacityProviderName`, or `none` when null or absent.",
  },
  check: {
    bound: 'bounded',
    known: KNOWN_HEALTH_CHECKS,
    doc: 'A container instance health check `type` (`CONTAINER_RUNTIME`, `ACCELERATED_COMPUTE`, `DAEMON`, `AGENT_CONNECTIVITY`, later ones kept, bounded), or `overall` for `detail.overallStatus`.',
  },
  lifecycle_stage: {
    bound: 'bounded',
    known: KNOWN_LIFECYCLE_STAGES,
    doc: 'The deployment lifecycle stage a hook runs at (`PRE_SCALE_UP`, `POST_TEST_TRAFFIC_SHIFT`, …).',
  },
  hook_type: {
    bound: 'bounded',
    known: ['PAUSE', 'AWS_LAMBDA'],
    doc: "A deployment lifecycle hook's `hookType`: `PAUSE` (waits for ContinueServiceDeployment) or `AWS_LAMBDA`.",
  },
  agent_connected: {
    bound: 'closed',
    doc: "Whether the container instance's ECS agent is connected: `true` or `false`.",
  },
  container_name: {
    bound: 'unbounded',
    doc: 'Name of the container in the task definition (`detail.containers[].name`).',
  },
  exit_code: {
    bound: 'closed',
    doc: `A container's \`exitCode\`: the number for ${EXIT_CODES.slice(0, -1).join(', ')} and ${EXIT_CODES.at(-1)}, else \`other\`.`,
  },
};
