/**
 * The overview of what ECS did: task launches and stops by stop code and
 * reason, the failure-to-start ratio, image pull, startup and run durations,
 * OOM kills, health-check failures and spot interruptions, per cluster,
 * service and family.
 */
import { type Dashboard, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
} from '../../src/metrics/catalog.js';
import {
  alertsAnnotation,
  datasourceVariable,
  Layout,
  labelVariable,
  type Query,
} from './panels.js';

export const ECS_TASKS_UID = 'ecs-events-exporter-tasks';

/** The label filter of every task query. */
const SEL = 'ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service", family=~"$family"';
const BY_SERVICE = 'ecs_cluster, ecs_service, family';
const SERVICE_LEGEND = '{{ecs_cluster}}/{{ecs_service}} {{family}}';

function quantiles(metric: string, by = ''): Query[] {
  const group = by === '' ? 'le' : `le, ${by}`;
  return [0.5, 0.9, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${metric}_bucket{${SEL}}[$__rate_interval])))`,
    legend: by === '' ? `p${q * 100}` : `p${q * 100} {{${by}}}`,
  }));
}

function stoppedBy(filter: string, by = BY_SERVICE, legend = SERVICE_LEGEND): Query {
  return {
    expr: `sum by (${by}) (increase(${TASK_STOPPED}{${SEL}, ${filter}}[$__rate_interval]))`,
    legend,
  };
}

export function ecsTasksDashboard(): Dashboard {
  const dashboard = new DashboardBuilder('ECS tasks')
    .uid(ECS_TASKS_UID)
    .description(
      'Amazon ECS task lifecycles from ecs-events-exporter: launches, stops and why, durations, failures.',
    )
    .tags(['ecs', 'ecs-events-exporter'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .annotation(alertsAnnotation('EcsService.*|EcsTask.*'))
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('ecs_cluster', 'Cluster', TASK_STATE_TRANSITIONS, ''))
    .withVariable(
      labelVariable(
        'ecs_service',
        'Service',
        TASK_STATE_TRANSITIONS,
        'ecs_cluster=~"$ecs_cluster"',
      ),
    )
    .withVariable(
      labelVariable(
        'family',
        'Task family',
        TASK_STATE_TRANSITIONS,
        'ecs_cluster=~"$ecs_cluster", ecs_service=~"$ecs_service"',
      ),
    );

  new Layout(dashboard)
    .row('Launches and stops')
    .timeseries({
      title: 'Tasks launched',
      description:
        'Tasks per second that reached PENDING (every task does, on Fargate and EC2), by service. A drop to zero while a service should be scaling, or a spike (a crash loop being replaced), is worth a look.',
      unit: 'suffix: tasks/s',
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
        'Share of stopped tasks that never started (stop code TaskFailedToStart) over the last hour, per service: the recording rule the EcsServiceTasksFailingToStart alert reads (it fires above 20%, with at least 3 failures in 3 hours). Empty for a service with no stops, and without the rules loaded in Prometheus.',
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
      unit: 'suffix: tasks/s',
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
      unit: 'suffix: tasks/s',
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
      unit: 'suffix: tasks/s',
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
        'Tasks that never started (stop code TaskFailedToStart) in each interval, by reason class: image_pull_failed (the image or registry), resource_initialization_failed (secrets, registry auth, logging, volumes). Any sustained value here means a service cannot reach its desired count.',
      unit: 'short',
      bars: true,
      stacked: true,
      queries: [stoppedBy('stop_code="TaskFailedToStart"', 'reason', '{{reason}}')],
    })
    .row('Durations')
    .timeseries({
      title: 'Image pull duration',
      description:
        'Median, 90th and 99th percentile of the time from pullStartedAt to pullStoppedAt of the tasks that pulled in each interval. Rising percentiles slow every deployment and scale-out; EcsTaskImagePullSlow fires on the 30-minute p90.',
      unit: 's',
      queries: quantiles(TASK_IMAGE_PULL_DURATION),
    })
    .heatmap({
      title: 'Image pull duration distribution',
      description:
        'How many image pulls finished in each duration bucket, per interval. A second band of slow pulls shows a subset of hosts, images or zones pulling slowly, which the percentiles can hide.',
      unit: 's',
      queries: [
        {
          expr: `sum by (le) (increase(${TASK_IMAGE_PULL_DURATION}_bucket{${SEL}}[$__rate_interval]))`,
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
      title: 'OOM kills',
      description:
        'Tasks stopped because a container exceeded its memory limit (reason out_of_memory) in each interval, by service. EcsTaskOutOfMemoryKillsBurst fires at 3 in 15 minutes for one family.',
      unit: 'short',
      bars: true,
      width: 8,
      queries: [stoppedBy('reason="out_of_memory"')],
    })
    .timeseries({
      title: 'Health-check failures',
      description:
        'Tasks stopped for failing load balancer or container health checks in each interval, by service. EcsTaskHealthCheckFailures fires at 3 in 15 minutes.',
      unit: 'short',
      bars: true,
      width: 8,
      queries: [stoppedBy('reason="health_check_failed"')],
    })
    .timeseries({
      title: 'Spot interruptions',
      description:
        'Tasks stopped because Fargate Spot or EC2 Spot took the capacity back, in each interval, by service. Expected now and then; a service that keeps losing most of its tasks needs an on-demand base in its capacity provider strategy.',
      unit: 'short',
      bars: true,
      width: 8,
      queries: [stoppedBy('reason="spot_interruption"')],
    });

  return dashboard.build();
}
