/**
 * The overview of what ECS did: task launches and stops by stop code and
 * reason, the failure-to-start ratio, image pull, startup and run durations,
 * OOM kills, health-check failures and spot interruptions, per account,
 * region, cluster, service and family.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE,
  SERVICE_DEPLOYMENTS,
} from '../../src/kinds/deployment-state-change/kind.js';
import { TASK_PENDING_SINCE, TASKS } from '../../src/kinds/task-state-change/current-tasks.js';
import {
  CONTAINER_EXITS,
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
  WATCHED_STOPS,
} from '../../src/kinds/task-state-change/task-metrics.js';
import { EXPORTER_LAST_EVENT_TIMESTAMP, EXPORTER_RECORDS } from '../../src/metrics/catalog.js';
import {
  ACCOUNT_SEL,
  alertsAnnotation,
  ecsScopeVariables,
  Layout,
  labelVariable,
  projectDashboard,
  type Query,
  TARGET_SEL,
} from './panels.js';

export const ECS_TASKS_UID = 'ecs-events-exporter-tasks';

/** The label filter of every task query. */
const SEL = `${TARGET_SEL}, ${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service", family=~"$family"`;

/** The filter of service series (no family): deployments and their gauge. */
const SERVICE_SEL = `${TARGET_SEL}, ${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service"`;

/** The reason classes of failures (those the exporter creates at 0 with each workload). */
const FAILURE_REASONS = [...new Set(WATCHED_STOPS.map(([, reason]) => reason))]
  .filter((r) => r !== 'other')
  .join('|');
const BY_SERVICE = 'aws_account_id, aws_region, ecs_cluster, ecs_service, family';
const SERVICE_LEGEND =
  '{{ecs_cluster}}/{{ecs_service}} {{family}} ({{aws_account_id}} {{aws_region}})';

function quantiles(metric: string, by = ''): Query[] {
  const group = by === '' ? 'le' : `le, ${by}`;
  return [0.5, 0.9, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${metric}_bucket{${SEL}}[$__rate_interval])))`,
    legend: by === '' ? `p${q * 100}` : `p${q * 100} {{${by}}}`,
  }));
}

/**
 * Stops per bar: sparse events read as counts (one OOM kill an hour is 1,
 * not 0.0003 per second), over the bar's own width: $__rate_interval is
 * longer than a bar and would count each stop in several bars.
 */
function stoppedBy(filter: string, by = BY_SERVICE, legend = SERVICE_LEGEND): Query {
  return {
    expr: `sum by (${by}) (increase(${TASK_STOPPED}{${SEL}, ${filter}}[$__interval]))`,
    legend,
  };
}

/** Counts per bar are at least two scrapes wide. */
const BAR_INTERVAL = '1m';

export function ecsTasksDashboard(): Dashboard {
  const dashboard = projectDashboard({
    title: 'ECS tasks',
    uid: ECS_TASKS_UID,
    description:
      'Amazon ECS task lifecycles from ecs-events-exporter: launches, stops and why, durations, failures.',
    refresh: '1m',
    from: 'now-6h',
  }).annotation(
    alertsAnnotation(
      'EcsServiceTasks.*|EcsTask.*',
      `${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service", family=~"$family"`,
    ),
  );
  for (const v of ecsScopeVariables(TASK_STATE_TRANSITIONS)) dashboard.withVariable(v);
  dashboard.withVariable(
    labelVariable(
      'family',
      'Task family',
      TASK_STATE_TRANSITIONS,
      `${TARGET_SEL}, ${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service"`,
    ),
  );

  new Layout(dashboard)
    .row('Failing now')
    .table({
      title: 'Failing to start',
      description:
        'Services whose stops in the last hour were mostly failures to start (the recording rule EcsServiceTasksFailingToStart reads), largest share first. Empty when nothing fails.',
      unit: 'percentunit',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(ecs_service:ecs_task_failed_to_start:ratio_rate1h{${SEL}} > 0)`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .table({
      title: 'Crash looping',
      description:
        'Services whose tasks exited within 5 minutes of RUNNING, as a share of their stops in the last hour (the recording rule EcsServiceTasksCrashLooping reads).',
      unit: 'percentunit',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(ecs_service:ecs_task_crashed_at_start:ratio_rate1h{${SEL}} > 0)`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .table({
      title: 'OOM-killed in the last hour',
      description:
        'Tasks stopped for running out of memory in the last hour, and containers killed with exit code 137, per service and family.',
      unit: 'short',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(sum by (${BY_SERVICE}) (increase(${TASK_STOPPED}{${SEL}, reason="out_of_memory"}[1h])) > 0)`,
          legend: SERVICE_LEGEND,
        },
        {
          expr: `sort_desc(sum by (${BY_SERVICE}, container_name) (increase(${CONTAINER_EXITS}{${SEL}, exit_code="137"}[1h])) > 0)`,
          legend: `${SERVICE_LEGEND} {{container_name}}`,
        },
      ],
    })
    .table({
      title: 'Rolled back or failed in the last hour',
      description:
        'Deployments of each service that failed or were rolled back by the circuit breaker in the last hour (a first-ever failure of a service shows as its whole count).',
      unit: 'short',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(sum by (aws_account_id, aws_region, ecs_cluster, ecs_service) (increase(${SERVICE_DEPLOYMENTS}{${SERVICE_SEL}, outcome=~"failed|rolled_back"}[1h]) or (${SERVICE_DEPLOYMENTS}{${SERVICE_SEL}, outcome=~"failed|rolled_back"} unless ${SERVICE_DEPLOYMENTS}{${SERVICE_SEL}, outcome=~"failed|rolled_back"} offset 1h)) > 0)`,
          legend: '{{ecs_cluster}}/{{ecs_service}} ({{aws_account_id}} {{aws_region}})',
        },
      ],
    })
    .table({
      title: 'Stuck deployments',
      description:
        'How long the oldest unfinished deployment of each service has been in progress (EcsServiceDeploymentStuck fires past an hour by default).',
      unit: 's',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(time() - min by (aws_account_id, aws_region, ecs_cluster, ecs_service) (${SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE}{${SERVICE_SEL}}))`,
          legend: '{{ecs_cluster}}/{{ecs_service}} ({{aws_account_id}} {{aws_region}})',
        },
      ],
    })
    .table({
      title: 'Stuck starting',
      description:
        'How long the oldest task of each family still in PROVISIONING, PENDING or ACTIVATING has been starting (EcsTasksPendingTooLong fires past 15 minutes by default).',
      unit: 's',
      width: 8,
      height: 6,
      queries: [
        {
          expr: `sort_desc(time() - min by (${BY_SERVICE}) (${TASK_PENDING_SINCE}{${SEL}}))`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .row('Now')
    .timeseries({
      title: 'Tasks by status',
      description:
        'Tasks the exporter knows to be in each status short of STOPPED (ecs_tasks), by the status of their latest event. Tasks that last changed before the exporter started reading are not known.',
      unit: 'short',
      stacked: true,
      queries: [{ expr: `sum by (last_status) (${TASKS}{${SEL}})`, legend: '{{last_status}}' }],
    })
    .timeseries({
      title: 'Oldest task still starting',
      description:
        'Age of the oldest task of each family in PROVISIONING, PENDING or ACTIVATING. A line that keeps climbing is capacity that never comes.',
      unit: 's',
      queries: [
        {
          expr: `time() - min by (${BY_SERVICE}) (${TASK_PENDING_SINCE}{${SEL}})`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .row('Exporter')
    .timeseries({
      title: 'Exporter up',
      description:
        'Whether Prometheus scrapes the exporter. Flat panels below during a 0 (or no line) mean no data, not calm: see the ecs-events-exporter health dashboard.',
      unit: 'bool',
      width: 8,
      height: 5,
      queries: [{ expr: `up{${TARGET_SEL}}`, legend: '{{instance}}' }],
    })
    .timeseries({
      title: 'Age of the newest event',
      description:
        'Time since the newest task state change the exporter has seen. Growing while the account is busy means events no longer arrive, and the panels below are stale.',
      unit: 's',
      width: 8,
      height: 5,
      queries: [
        {
          expr: `time() - ${EXPORTER_LAST_EVENT_TIMESTAMP}{${TARGET_SEL}}`,
          legend: '{{instance}}',
        },
      ],
    })
    .timeseries({
      title: 'Records processed',
      description:
        'New task state changes the exporter counted per second. Zero while ECS is busy means the exporter reads nothing.',
      unit: 'cps',
      width: 8,
      height: 5,
      queries: [
        {
          expr: `sum by (instance) (rate(${EXPORTER_RECORDS}{${TARGET_SEL}, result="processed"}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
    })
    .row('Launches and stops')
    .timeseries({
      title: 'Tasks launched',
      description:
        'Tasks per second that reached PENDING (every task does, on Fargate and EC2), by service. A drop to zero while a service should be scaling, or a spike (a crash loop being replaced), is worth a look.',
      unit: 'cps',
      queries: [
        {
          expr: `sum by (${BY_SERVICE}) (rate(${TASK_STATE_TRANSITIONS}{${SEL}, last_status="PENDING"}[$__rate_interval]))`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Failure-to-start ratio',
      description:
        'Share of the stopped tasks of the last hour that never started (stop code TaskFailedToStart), per service: the recording rule the EcsServiceTasksFailingToStart alert reads (it fires above 20%, with at least 3 failures in 3 hours), so a back-off of 27 minutes between failures reads as a line, not as dots. Empty for a service with no stops, and without the rules.',
      unit: 'percentunit',
      queries: [
        {
          expr: `ecs_service:ecs_task_failed_to_start:ratio_rate1h{${SEL}}`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'Tasks stopped by stop code',
      description:
        'Tasks per second that stopped, by ECS stop code. TaskFailedToStart means tasks that never ran; SpotInterruption capacity taken back; ServiceSchedulerInitiated deployments, scale-in and health-check replacements; EssentialContainerExited a container ending on its own.',
      unit: 'cps',
      stacked: true,
      queries: [
        {
          expr: `sum by (stop_code) (rate(${TASK_STOPPED}{${SEL}}[$__rate_interval]))`,
          legend: '{{stop_code}}',
        },
      ],
    })
    .timeseries({
      title: 'Tasks stopped by reason',
      description:
        'Tasks per second that stopped, by reason class (from stoppedReason and the container reasons; see docs/metrics.md). Worry about growth in image_pull_failed, resource_initialization_failed, out_of_memory or health_check_failed.',
      unit: 'cps',
      stacked: true,
      queries: [
        {
          expr: `sum by (reason) (rate(${TASK_STOPPED}{${SEL}}[$__rate_interval]))`,
          legend: '{{reason}}',
        },
      ],
    })
    .timeseries({
      title: 'State transitions',
      description:
        'Tasks per second reaching each lastStatus. PENDING far above RUNNING means tasks are not getting to run; compare with the failure-to-start panels.',
      unit: 'cps',
      queries: [
        {
          expr: `sum by (last_status) (rate(${TASK_STATE_TRANSITIONS}{${SEL}}[$__rate_interval]))`,
          legend: '{{last_status}}',
        },
      ],
    })
    .timeseries({
      title: 'Failed to start, by reason',
      description:
        'Tasks per bar that never started (stop code TaskFailedToStart), by reason class: image_pull_failed (the image or registry), resource_initialization_failed (secrets, registry auth, logging, volumes). Any sustained value here means a service cannot reach its desired count.',
      unit: 'short',
      bars: true,
      minInterval: BAR_INTERVAL,
      stacked: true,
      queries: [stoppedBy('stop_code="TaskFailedToStart"', 'reason', '{{reason}}')],
    })
    .table({
      title: 'Top failing services',
      description: `The 10 services (or standalone families) with the most tasks stopped for a failure (${FAILURE_REASONS.replace(/\|/g, ', ')}, or failing to start for any reason) or crashing within 5 minutes of RUNNING, over the selected time range. Start here when an alert names no service you know.`,
      unit: 'short',
      width: 24,
      queries: [
        {
          expr: `topk(10, sum by (${BY_SERVICE}) (increase(${TASK_STOPPED}{${SEL}, reason=~"${FAILURE_REASONS}"}[$__range]) or increase(${TASK_STOPPED}{${SEL}, stop_code="TaskFailedToStart", reason!~"${FAILURE_REASONS}"}[$__range]) or increase(${TASK_RUN_DURATION}_bucket{${SEL}, ecs_service!="", stop_code="EssentialContainerExited", le="300"}[$__range])) > 0)`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .row('Durations')
    .timeseries({
      title: 'Image pull duration',
      description:
        'Median, 90th and 99th percentile of the time from pullStartedAt to pullStoppedAt of the tasks that pulled in each interval. Rising percentiles slow every deployment and scale-out; EcsTaskImagePullSlow fires on the 30-minute p90.',
      unit: 's',
      queries: quantiles(TASK_IMAGE_PULL_DURATION),
    })
    .timeseries({
      title: 'Image pull p90 by family',
      description:
        "The 90th percentile of image pull time per task family: one family slow points at its image (size, tag, registry), all of them at the network or the registry. EcsTaskImagePullSlow compares the 30-minute p90 with the family's usual one.",
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.9, sum by (le, aws_account_id, aws_region, ecs_cluster, family) (rate(${TASK_IMAGE_PULL_DURATION}_bucket{${SEL}}[$__rate_interval])))`,
          legend: '{{ecs_cluster}} {{family}} ({{aws_account_id}} {{aws_region}})',
        },
      ],
    })
    .heatmap({
      title: 'Image pull duration distribution',
      description:
        'Image pulls per second that finished in each duration bucket. A second band of slow pulls shows a subset of hosts, images or zones pulling slowly, which the percentiles can hide.',
      unit: 's',
      queries: [
        {
          expr: `sum by (le) (rate(${TASK_IMAGE_PULL_DURATION}_bucket{${SEL}}[$__rate_interval]))`,
          legend: '{{le}}',
        },
      ],
    })
    .timeseries({
      title: 'Startup duration',
      description:
        'Median, 90th and 99th percentile of the time from createdAt to startedAt: provisioning, image pull and container start together. Compare with the load balancer health check grace period.',
      unit: 's',
      queries: quantiles(TASK_STARTUP_DURATION),
    })
    .timeseries({
      title: 'Run duration by stop code',
      description:
        'Median and 90th percentile of how long tasks ran before stopping, by stop code. Short runs ending in EssentialContainerExited point at crash loops.',
      unit: 's',
      queries: quantiles(TASK_RUN_DURATION, 'stop_code').filter((q) => !q.legend.startsWith('p99')),
    })
    .row('Failures')
    .timeseries({
      title: 'Crash-loop exits',
      description:
        'Service tasks per bar whose essential container exited within 5 minutes of RUNNING, by service. EcsServiceTasksCrashLooping fires when they are over 20% of the stops of the last hour, and at least 3 in 3 hours.',
      unit: 'short',
      bars: true,
      minInterval: BAR_INTERVAL,
      width: 24,
      queries: [
        {
          expr: `sum by (${BY_SERVICE}) (increase(${TASK_RUN_DURATION}_bucket{${SEL}, ecs_service!="", stop_code="EssentialContainerExited", le="300"}[$__interval]))`,
          legend: SERVICE_LEGEND,
        },
      ],
    })
    .timeseries({
      title: 'OOM kills',
      description:
        'Tasks per bar stopped because a container exceeded its memory limit (reason out_of_memory), by service. EcsTaskOutOfMemoryKillsBurst fires at 3 in 3 hours, one of them in the last hour, for one family.',
      unit: 'short',
      bars: true,
      minInterval: BAR_INTERVAL,
      width: 8,
      queries: [stoppedBy('reason="out_of_memory"')],
    })
    .timeseries({
      title: 'Health-check failures',
      description:
        'Tasks per bar stopped for failing load balancer or container health checks, by service. EcsTaskHealthCheckFailures fires at 3 in 3 hours, one of them in the last hour.',
      unit: 'short',
      bars: true,
      minInterval: BAR_INTERVAL,
      width: 8,
      queries: [stoppedBy('reason="health_check_failed"')],
    })
    .timeseries({
      title: 'Spot interruptions',
      description:
        'Tasks per bar stopped because Fargate Spot or EC2 Spot took the capacity back, by service. Expected now and then; a service that keeps losing most of its tasks needs an on-demand base in its capacity provider strategy.',
      unit: 'short',
      bars: true,
      minInterval: BAR_INTERVAL,
      width: 8,
      queries: [stoppedBy('reason="spot_interruption"')],
    });

  return dashboard.build();
}
