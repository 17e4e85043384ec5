/**
 * What ECS says about services and capacity beyond single tasks: deployments
 * by outcome, rollbacks and how long deployments take, deployment lifecycle
 * hooks, task placement failures by reason, services whose task starts are
 * impaired, managed daemons (deployments, tasks failing to start),
 * container instances (agents, health checks), and container exit codes.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  INSTANCE_HEALTH,
  INSTANCE_HEALTH_CHANGES,
} from '../../src/kinds/container-instance-health-change/kind.js';
import {
  CONTAINER_INSTANCES,
  INSTANCE_STATE_CHANGES,
} from '../../src/kinds/container-instance-state-change/kind.js';
import {
  DAEMON_DEPLOYMENT_DURATION,
  DAEMON_DEPLOYMENTS,
} from '../../src/kinds/daemon-deployment-state-change/kind.js';
import { DAEMON_TASK_START_IMPAIRED } from '../../src/kinds/daemon-service-action/kind.js';
import {
  SERVICE_DEPLOYMENT_DURATION,
  SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE,
  SERVICE_DEPLOYMENTS,
} from '../../src/kinds/deployment-state-change/kind.js';
import {
  HOOKS_AWAITING_ACTION,
  SERVICE_DEPLOYMENT_HOOKS,
} from '../../src/kinds/hook-state-change/kind.js';
import { SERVICE_ACTION_EVENTS } from '../../src/kinds/service-action/kind.js';
import {
  CONTAINER_EXITS,
  TASK_STATE_TRANSITIONS,
} from '../../src/kinds/task-state-change/task-metrics.js';
import {
  ACCOUNT_SEL,
  alertsAnnotation,
  ecsScopeVariables,
  Layout,
  projectDashboard,
  type Query,
  TARGET_SEL,
} from './panels.js';

export const ECS_DEPLOYMENTS_CAPACITY_UID = 'ecs-events-exporter-deployments';

/** The filter of cluster-level series (container instances). */
const CLUSTER_SEL = `${TARGET_SEL}, ${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster"`;
/** The filter of service-level series. */
const SEL = `${CLUSTER_SEL}, ecs_service=~"$ecs_service"`;

const BY_SERVICE = 'aws_account_id, aws_region, ecs_cluster, ecs_service';
const SERVICE_LEGEND = '{{ecs_cluster}}/{{ecs_service}} ({{aws_account_id}} {{aws_region}})';
const BY_CLUSTER = 'aws_account_id, aws_region, ecs_cluster';
const CLUSTER_LEGEND = '{{ecs_cluster}} ({{aws_account_id}} {{aws_region}})';
const BY_DAEMON = 'aws_account_id, aws_region, ecs_cluster, daemon';
const DAEMON_LEGEND = '{{ecs_cluster}}/{{daemon}} ({{aws_account_id}} {{aws_region}})';

/** Service actions of one kind per second, by service. */
function serviceActions(eventName: string, by = BY_SERVICE, legend = SERVICE_LEGEND): Query {
  return {
    expr: `sum by (${by}) (rate(${SERVICE_ACTION_EVENTS}{${SEL}, event_name=~".*${eventName}"}[$__rate_interval]))`,
    legend,
  };
}

export function ecsDeploymentsCapacityDashboard(): Dashboard {
  const dashboard = projectDashboard({
    title: 'ECS deployments and capacity',
    uid: ECS_DEPLOYMENTS_CAPACITY_UID,
    description:
      'Amazon ECS services and capacity from ecs-events-exporter: deployments and rollbacks, deployment hooks, task placement failures, impaired task starts, managed daemons, container instance agents and health, container exit codes.',
    refresh: '1m',
    from: 'now-24h',
  }).annotation(
    alertsAnnotation(
      'EcsServiceDeployment.*|EcsServiceTaskPlacement.*|EcsServiceTaskStartImpaired|EcsContainer.*|EcsDaemon.*|EcsDeploymentHook.*',
      `${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster"`,
    ),
  );
  // The same variables, from the same series, as the task dashboard: the links keep them.
  for (const v of ecsScopeVariables(TASK_STATE_TRANSITIONS)) dashboard.withVariable(v);

  new Layout(dashboard)
    .row('Deployments')
    .timeseries({
      title: 'Deployments by outcome',
      description:
        'Service deployments per bar by outcome: started, completed, failed, rolled_back (the deployment circuit breaker, or a rollback that ECS reports as such). A circuit-breaker rollback counts as both failed and rolled_back. EcsServiceDeploymentFailed fires on any failure or rollback.',
      unit: 'short',
      bars: true,
      minInterval: '1m',
      stacked: true,
      queries: [
        {
          expr: `sum by (outcome) (increase(${SERVICE_DEPLOYMENTS}{${SEL}}[$__interval]))`,
          legend: '{{outcome}}',
        },
      ],
    })
    .timeseries({
      title: 'Rollbacks',
      description:
        'Deployments rolled back per bar, by service. Every one is a version that did not go out, whatever the deploy tool reported; see the task dashboard for why its tasks failed.',
      unit: 'short',
      bars: true,
      minInterval: '1m',
      queries: [
        {
          expr: `sum by (${BY_SERVICE}) (increase(${SERVICE_DEPLOYMENTS}{${SEL}, outcome="rolled_back"}[$__interval]))`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .table({
      title: 'Rollback rate by service',
      description:
        'Share of the deployments started over the selected time range that were rolled back, per service with deployments. A service near 100% has not shipped anything in that time.',
      unit: 'percentunit',
      width: 12,
      queries: [
        {
          expr: `sum by (${BY_SERVICE}) (increase(${SERVICE_DEPLOYMENTS}{${SEL}, outcome="rolled_back"}[$__range])) / (sum by (${BY_SERVICE}) (increase(${SERVICE_DEPLOYMENTS}{${SEL}, outcome="started"}[$__range])) > 0)`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Deployment duration',
      description:
        'Median and 90th percentile of the time from the start of a deployment to its end, by outcome (completed, failed), of the deployments that ended in each interval. Long failed deployments are circuit breakers that took many task launches to trip.',
      unit: 's',
      queries: [0.5, 0.9].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, outcome) (rate(${SERVICE_DEPLOYMENT_DURATION}_bucket{${SEL}}[$__rate_interval])))`,
        legend: `p${q * 100} {{outcome}}`,
      })),
    })
    .timeseries({
      title: 'Deployments in progress for',
      description:
        'How long the oldest unfinished deployment of each service has been in progress (from its first IN_PROGRESS event). A line climbing past an hour fires EcsServiceDeploymentStuck; a deployment that completes drops out.',
      unit: 's',
      queries: [
        {
          expr: `time() - min by (${BY_SERVICE}) (${SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE}{${SEL}})`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Deployment hooks by status',
      description:
        'Deployment lifecycle hooks per second, by hook type (PAUSE, AWS_LAMBDA) and status: in_progress, awaiting_action (a pause hook waiting for ContinueServiceDeployment), succeeded, failed, timed_out. EcsDeploymentHookFailed fires on any failed or timed out hook.',
      unit: 'cps',
      bars: true,
      stacked: true,
      queries: [
        {
          expr: `sum by (hook_type, status) (rate(${SERVICE_DEPLOYMENT_HOOKS}{${SEL}}[$__rate_interval]))`,
          legend: '{{hook_type}} {{status}}',
        },
      ],
    })
    .timeseries({
      title: 'Hooks awaiting action',
      description:
        'Pause hooks whose latest status is awaiting_action, by service and lifecycle stage: deployments waiting for someone to continue or roll them back before the hook expires. EcsDeploymentHookAwaitingAction fires after 5 minutes.',
      unit: 'short',
      bars: true,
      queries: [
        {
          expr: `sum by (${BY_SERVICE}, lifecycle_stage) (${HOOKS_AWAITING_ACTION}{${SEL}})`,
          legend: `{{lifecycle_stage}} ${SERVICE_LEGEND}`,
        },
      ],
    })
    .row('Placement and task starts')
    .timeseries({
      title: 'Placement failures by reason',
      description:
        'SERVICE_TASK_PLACEMENT_FAILURE events per second, by reason: RESOURCE:MEMORY or RESOURCE:CPU (no container instance has room for one task), RESOURCE:FARGATE (no Fargate capacity or quota), RESOURCE:ENI, … EcsServiceTaskPlacementFailing fires at 3 in 30 minutes for one service and reason, for 10 minutes.',
      unit: 'cps',
      bars: true,
      stacked: true,
      queries: [serviceActions('TASK_PLACEMENT_FAILURE', 'reason', '{{reason}}')],
    })
    .timeseries({
      title: 'Placement failures by service',
      description:
        'SERVICE_TASK_PLACEMENT_FAILURE events per second, by service: which services cannot reach their desired count.',
      unit: 'cps',
      bars: true,
      queries: [serviceActions('TASK_PLACEMENT_FAILURE')],
    })
    .timeseries({
      title: 'Services with task start impaired',
      description:
        'SERVICE_TASK_START_IMPAIRED events per second, by service: ECS judges that the service cannot consistently start tasks. EcsServiceTaskStartImpaired fires on any in the last 30 minutes.',
      unit: 'cps',
      bars: true,
      queries: [serviceActions('TASK_START_IMPAIRED')],
    })
    .timeseries({
      title: 'Service actions by event name',
      description:
        'Every service action event per second, by event name: SERVICE_STEADY_STATE (a service reached its desired count), placement failures, impaired starts, capacity provider steady state, and names ECS adds later.',
      unit: 'cps',
      stacked: true,
      queries: [
        {
          expr: `sum by (event_name) (rate(${SERVICE_ACTION_EVENTS}{${SEL}}[$__rate_interval]))`,
          legend: '{{event_name}}',
        },
      ],
    })
    .row('Managed daemons')
    .timeseries({
      title: 'Daemon deployments by status',
      description:
        'ECS Managed Daemon deployments per second, by status: pending, in_progress, successful, stopped, rollback_in_progress, rollback_successful, rollback_failed. EcsDaemonDeploymentRolledBack fires on a rollback, EcsDaemonDeploymentRollbackFailed (critical) on a failed one.',
      unit: 'cps',
      bars: true,
      stacked: true,
      queries: [
        {
          expr: `sum by (status) (rate(${DAEMON_DEPLOYMENTS}{${CLUSTER_SEL}}[$__rate_interval]))`,
          legend: '{{status}}',
        },
      ],
    })
    .timeseries({
      title: 'Daemon deployment duration',
      description:
        'Median and 90th percentile of the time from the start of a daemon deployment (PENDING or IN_PROGRESS) to its first terminal status, by outcome (successful, stopped, rollback_successful, rollback_failed).',
      unit: 's',
      queries: [0.5, 0.9].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, outcome) (rate(${DAEMON_DEPLOYMENT_DURATION}_bucket{${CLUSTER_SEL}}[$__rate_interval])))`,
        legend: `p${q * 100} {{outcome}}`,
      })),
    })
    .timeseries({
      title: 'Daemon tasks failing to start',
      description:
        'DAEMON_TASK_START_IMPAIRED events per second, by daemon: daemon tasks that could not be created on an instance, or did not reach RUNNING. EcsDaemonTasksFailingToStart fires at 3 in an hour.',
      unit: 'cps',
      bars: true,
      queries: [
        {
          expr: `sum by (${BY_DAEMON}) (rate(${DAEMON_TASK_START_IMPAIRED}{${CLUSTER_SEL}}[$__rate_interval]))`,
          legend: DAEMON_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Daemon start failures by reason',
      description:
        'Daemon tasks failing to start per second, by failure type (TASK_CREATION_FAILED: no room on the instance, RESOURCE:MEMORY, …; TASK_FAILED_TO_RUN: created, never RUNNING) and reason class.',
      unit: 'cps',
      bars: true,
      stacked: true,
      queries: [
        {
          expr: `sum by (failure_type, reason) (rate(${DAEMON_TASK_START_IMPAIRED}{${CLUSTER_SEL}}[$__rate_interval]))`,
          legend: '{{failure_type}} {{reason}}',
        },
      ],
    })
    .row('Container instances')
    .timeseries({
      title: 'Impaired instances by check',
      description:
        'Container instances whose latest status of a health check is IMPAIRED, by capacity provider and check: CONTAINER_RUNTIME, ACCELERATED_COMPUTE (GPU Xid errors), DAEMON, AGENT_CONNECTIVITY. EcsContainerInstancesImpaired fires past a fifth of a capacity provider, EcsContainerInstanceImpairedTooLong after 30 minutes.',
      unit: 'short',
      bars: true,
      stacked: true,
      queries: [
        {
          expr: `sum by (capacity_provider, check) (${INSTANCE_HEALTH}{${CLUSTER_SEL}, check!="overall", status="IMPAIRED"})`,
          legend: '{{capacity_provider}} {{check}}',
        },
      ],
    })
    .timeseries({
      title: 'Instance health, overall',
      description:
        'Container instances by their latest overall health status (OK, IMPAIRED, INSUFFICIENT_DATA, INITIALIZING), by capacity provider. Only instances that sent a health event since their retention are known.',
      unit: 'short',
      stacked: true,
      queries: [
        {
          expr: `sum by (capacity_provider, status) (${INSTANCE_HEALTH}{${CLUSTER_SEL}, check="overall"})`,
          legend: '{{capacity_provider}} {{status}}',
        },
      ],
    })
    .timeseries({
      title: 'Health checks turning impaired, by reason',
      description:
        'Health checks turning IMPAIRED per second, by check and reason: XID_<n> (a GPU Xid error), agent_disconnected, daemon_unhealthy, other.',
      unit: 'cps',
      bars: true,
      stacked: true,
      width: 24,
      queries: [
        {
          expr: `sum by (check, reason) (rate(${INSTANCE_HEALTH_CHANGES}{${CLUSTER_SEL}, status="IMPAIRED"}[$__rate_interval]))`,
          legend: '{{check}} {{reason}}',
        },
      ],
    })
    .timeseries({
      title: 'Instances with a disconnected agent',
      description:
        'Registered (not INACTIVE) container instances whose latest state has their ECS agent disconnected, by cluster. ECS places no task on them. Agents disconnect for seconds when they update; EcsContainerInstanceAgentDisconnected fires after 10 minutes.',
      unit: 'short',
      bars: true,
      queries: [
        {
          expr: `sum by (${BY_CLUSTER}) (${CONTAINER_INSTANCES}{${CLUSTER_SEL}, status!="INACTIVE", agent_connected="false"})`,
          legend: CLUSTER_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Container instances by status',
      description:
        'Container instances by status (ACTIVE, DRAINING, INACTIVE, …) and agent connection, as of the newest event of each. Only instances that sent an event since the exporter started are known.',
      unit: 'short',
      stacked: true,
      queries: [
        {
          expr: `sum by (status, agent_connected) (${CONTAINER_INSTANCES}{${CLUSTER_SEL}})`,
          legend: '{{status}} agent_connected={{agent_connected}}',
        },
      ],
    })
    .timeseries({
      title: 'Container instance state changes',
      description:
        'Container instance state changes per second, by status and agent connection. Bursts of agent_connected=false are agents going away (instance failures, agent updates, network).',
      unit: 'cps',
      width: 24,
      queries: [
        {
          expr: `sum by (status, agent_connected) (rate(${INSTANCE_STATE_CHANGES}{${CLUSTER_SEL}}[$__rate_interval]))`,
          legend: '{{status}} agent_connected={{agent_connected}}',
        },
      ],
    })
    .row('Container exit codes')
    .timeseries({
      title: 'Container exits by exit code',
      description:
        'Containers that exited per second, by exit code, 0 excluded: 1 an application error, 137 SIGKILL (out of memory, or no exit within the stop timeout), 139 a segmentation fault, 143 SIGTERM (a normal stop), 127 a command not found. EcsContainerExitCode137Burst fires at 3 kills of one container in an hour.',
      unit: 'cps',
      bars: true,
      stacked: true,
      queries: [
        {
          expr: `sum by (exit_code) (rate(${CONTAINER_EXITS}{${SEL}, exit_code!="0"}[$__rate_interval]))`,
          legend: '{{exit_code}}',
        },
      ],
    })
    .timeseries({
      title: 'Exit code 137 by container',
      description:
        'Containers killed with SIGKILL (exit code 137) per second, by container: sidecars included, which an OOM kill does not stop the task for.',
      unit: 'cps',
      bars: true,
      queries: [
        {
          expr: `sum by (${BY_SERVICE}, container_name) (rate(${CONTAINER_EXITS}{${SEL}, exit_code="137"}[$__rate_interval]))`,
          legend: `{{container_name}} ${SERVICE_LEGEND}`,
        },
      ],
    })
    .table({
      title: 'Non-zero exits by container',
      description:
        'Exits other than 0 over the selected time range, by container and exit code, largest first. Start here when a service restarts tasks and nothing else explains why.',
      unit: 'short',
      width: 24,
      queries: [
        {
          expr: `topk(20, sum by (${BY_SERVICE}, container_name, exit_code) (increase(${CONTAINER_EXITS}{${SEL}, exit_code!="0"}[$__range])) > 0)`,
          legend: `{{container_name}} {{exit_code}} ${SERVICE_LEGEND}`,
        },
      ],
    });

  return dashboard.build();
}
