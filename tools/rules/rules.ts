/**
 * The recording and alerting rules, built from a RulesConfig: the one
 * source of deploy/prometheus/rules/ecs-events-exporter.rules.yaml and of
 * the Kubernetes PrometheusRule. Each rule says why it reads what it reads
 * in its comment, which the rule file carries.
 *
 * Task series are aggregated to the config's kept labels (`job`) and
 * (aws_account_id, aws_region, ecs_cluster, ecs_service, family): the
 * service, and for standalone tasks the task family, in its account and
 * region. Service and deployment series keep the account and region the
 * same way. Exporter series are aggregated to (job, instance).
 *
 * Task failures come in at any cadence: a one-task service under ECS's
 * launch back-off fails once every 27 minutes, a burst fails every few
 * seconds. The failure alerts therefore read a one-hour window for "is it
 * still happening" (wider than the back-off) and a three-hour window for
 * "is it more than one or two", never a window shorter than the gap
 * between failures.
 */
import { ECS_DEPLOYMENTS_CAPACITY_UID } from '../dashboards/ecs-deployments-capacity.js';
import { ECS_TASKS_UID } from '../dashboards/ecs-tasks.js';
import { EXPORTER_HEALTH_UID } from '../dashboards/exporter-health.js';
import type { RulesConfig } from './config.js';

export interface Rule {
  /** Written above the rule in the rule file. */
  readonly comment?: string;
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly comment?: string;
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

const WORKLOAD = ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service', 'family'];
const SERVICE = ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service'];
const CLUSTER = ['aws_account_id', 'aws_region', 'ecs_cluster'];

export function runbookUrl(pattern: string, alert: string): string {
  if (!pattern.includes('%s')) throw new Error(`runbook URL pattern ${pattern} has no %s`);
  return pattern.replace('%s', alert.toLowerCase());
}

/** A dashboard's link with the alert's labels as its variables (`var-<label>`), filled in by Alertmanager's templating. */
export function dashboardUrl(pattern: string, uid: string, labels: readonly string[]): string {
  const base = pattern.replace('%s', uid);
  if (labels.length === 0) return base;
  return `${base}?${labels.map((l) => `var-${l}={{ $labels.${l} | urlquery }}`).join('&')}`;
}

/** Indents every line of `text` but the first by `spaces`. */
const nest = (text: string, spaces: number) => text.replaceAll('\n', `\n${' '.repeat(spaces)}`);

/** The ECS rules and alerts of one config. */
export function ruleGroups(c: RulesConfig): RuleGroup[] {
  const by = (...labels: string[]) => `by (${[...c.keepLabels, ...labels].join(', ')})`;
  const on = (...labels: string[]) => `on (${[...c.keepLabels, ...labels].join(', ')})`;
  const sel = (...matchers: string[]) => `{${[c.selector, ...matchers].join(', ')}}`;
  const hours = (s: number) => (s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`);

  /**
   * How many facts a counter series gained in `window`, for series that may
   * be born at 1 (their labels are known only with their first fact): a
   * series that appeared within the window counts at its whole value, but
   * only on a replica that was counting (records_total is served by a
   * leader, never by a standby) a window ago. A standby that takes over
   * restores series at their lifetime totals: they appear on its instance,
   * which counted nothing a window ago, so they are not new. Any other
   * series counts by its increase. The 3-hour volume of the burst alerts
   * asks for an hour of counting only (`guard`): it is always joined with
   * the last hour's count, whose own guard a takeover cannot pass, and a
   * fresh exporter sees a burst after one hour rather than three.
   */
  const counted = (
    metric: string,
    matchers: string,
    window: string,
    indent: number,
    guard: string = window,
  ) =>
    nest(
      `(
  (
      ${metric}${sel(matchers)}
    unless
      ${metric}${sel(matchers)} offset ${window}
  )
  and on (job, instance)
    ecs_events_exporter_records_total${sel()} offset ${guard}
)
or
  increase(${metric}${sel(matchers)}[${window}])`,
      indent,
    );

  const alert = (a: {
    name: string;
    comment?: string;
    expr: string;
    for?: string;
    keepFiringFor?: string;
    severity: string;
    summary: string;
    description: string;
    dashboard: readonly [uid: string, labels: readonly string[]];
  }): Rule => ({
    ...(a.comment === undefined ? {} : { comment: a.comment }),
    alert: a.name,
    expr: a.expr,
    ...(a.for === undefined ? {} : { for: a.for }),
    ...(a.keepFiringFor === undefined ? {} : { keep_firing_for: a.keepFiringFor }),
    labels: { severity: a.severity },
    annotations: {
      summary: a.summary,
      description: a.description,
      runbook_url: runbookUrl(c.runbookUrlPattern, a.name),
      dashboard_url: dashboardUrl(c.dashboardUrlPattern, a.dashboard[0], [...a.dashboard[1]]),
    },
  });
  const tasksDashboard = (labels = [...c.keepLabels, ...SERVICE]) =>
    [ECS_TASKS_UID, labels] as const;
  const deploymentsDashboard = (labels = [...c.keepLabels, ...SERVICE]) =>
    [ECS_DEPLOYMENTS_CAPACITY_UID, labels] as const;
  const healthDashboard = (labels: string[]) => [EXPORTER_HEALTH_UID, labels] as const;

  const paging = `ecs_service!="", ecs_cluster=~"${c.criticalClusters}"`;
  const failedToStartAlert = (severity: 'critical' | 'warning'): Rule =>
    alert({
      name: 'EcsServiceTasksFailingToStart',
      comment:
        severity === 'critical'
          ? `Failures are most of the service's stops over the last hour (it is
still happening: one hour is wider than ECS's longest back-off of 27
minutes between launches), and at least 3 tasks failed to start in the last
3 hours (one or two failures are not an incident). Critical for services of
the clusters the config names (criticalClusters), warning elsewhere and for
standalone tasks (ecs_service="").`
          : undefined,
      expr: `(
    ecs_service:ecs_task_failed_to_start:ratio_rate1h${severity === 'critical' ? `{${paging}}` : ''} > 0.2
  and
    ecs_service:ecs_task_failed_to_start:rate3h * 10800 >= 3
)${severity === 'critical' ? '' : `\nunless\n  ecs_service:ecs_task_failed_to_start:ratio_rate1h{${paging}}`}`,
      for: '5m',
      severity,
      summary:
        'ECS tasks of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} are failing to start',
      description:
        '{{ $value | humanizePercentage }} of the tasks of service "{{ $labels.ecs_service }}" (family {{ $labels.family }}) in cluster {{ $labels.ecs_cluster }} that stopped in the last hour never started (stop code TaskFailedToStart), and at least 3 failed to start in the last 3 hours.',
      dashboard: tasksDashboard(),
    });

  const burst = (a: {
    name: string;
    comment: string;
    metric: string;
    matchers: string;
    labels: string[];
    summary: string;
    description: string;
  }): Rule =>
    alert({
      name: a.name,
      comment: `${a.comment}
Two windows: at least 3 over the last 3 hours (volume), and at least one in
the last hour (still happening). keep_firing_for bridges the gap between two
failures when they come less often than hourly (a kill every 70 minutes), so
the alert neither resolves nor pages again between them.`,
      expr: `(
    sum ${by(...a.labels)} (
      ${counted(a.metric, a.matchers, '3h', 6, '1h')}
    ) >= 3
)
and ${on(...a.labels)}
  (
    sum ${by(...a.labels)} (
      ${counted(a.metric, a.matchers, '1h', 6)}
    ) > 0
  )`,
      keepFiringFor: '30m',
      severity: 'warning',
      summary: a.summary,
      description: a.description,
      dashboard: tasksDashboard(),
    });

  const failureRatio = (name: string) =>
    `ecs_service:${name}:rate1h / (ecs_service:ecs_task_stopped:rate1h > 0)`;

  const recording: RuleGroup = {
    name: 'ecs-events-exporter.recording',
    rules: [
      {
        comment: 'Tasks stopped per second, for any reason.',
        record: 'ecs_service:ecs_task_stopped:rate1h',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_stopped_total${sel()}[1h]))`,
      },
      {
        comment: 'Tasks that never started (stop code TaskFailedToStart) per second.',
        record: 'ecs_service:ecs_task_failed_to_start:rate1h',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_stopped_total${sel('stop_code="TaskFailedToStart"')}[1h]))`,
      },
      {
        record: 'ecs_service:ecs_task_failed_to_start:rate3h',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_stopped_total${sel('stop_code="TaskFailedToStart"')}[3h]))`,
      },
      {
        comment: `Share of stops that were failures to start. The \`> 0\` guard drops the
series of a service with no stops at all, so an idle service has no
ratio (rather than NaN) and can never fire the alert.`,
        record: 'ecs_service:ecs_task_failed_to_start:ratio_rate1h',
        expr: failureRatio('ecs_task_failed_to_start'),
      },
      {
        comment: `Service tasks whose essential container exited within 5 minutes of
RUNNING, per second: a crash loop (an application that dies 90 s after
start, every 10 minutes, is one). Standalone tasks may end in seconds by
design.`,
        record: 'ecs_service:ecs_task_crashed_at_start:rate1h',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_run_duration_seconds_bucket${sel('ecs_service!=""', 'stop_code="EssentialContainerExited"', 'le="300"')}[1h]))`,
      },
      {
        record: 'ecs_service:ecs_task_crashed_at_start:rate3h',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_run_duration_seconds_bucket${sel('ecs_service!=""', 'stop_code="EssentialContainerExited"', 'le="300"')}[3h]))`,
      },
      {
        record: 'ecs_service:ecs_task_crashed_at_start:ratio_rate1h',
        expr: failureRatio('ecs_task_crashed_at_start'),
      },
      {
        comment: `Image pulls: volume and 90th percentile over the last 30 minutes; the
percentile only where there were pulls (no NaN series for idle families).`,
        record: 'ecs_service:ecs_task_image_pulls:rate30m',
        expr: `sum ${by(...WORKLOAD)} (rate(ecs_task_image_pull_duration_seconds_count${sel()}[30m]))`,
      },
      {
        record: 'ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m',
        expr: `histogram_quantile(0.9, sum ${by(...WORKLOAD, 'le')} (rate(ecs_task_image_pull_duration_seconds_bucket${sel()}[30m])))
and ${on(...WORKLOAD)}
  ecs_service:ecs_task_image_pulls:rate30m > 0`,
      },
      {
        comment: `Events counted per second by the exporters of a job (any replica that
leads): the stream's own rate, for "no recent events" relative to it.`,
        record: 'job:ecs_events_exporter_records_processed:rate1h',
        expr: `sum by (job) (rate(ecs_events_exporter_records_total${sel('result="processed"')}[1h]))`,
      },
    ],
  };

  const baseline: RuleGroup = {
    comment: `The usual pull time of a family: the median, over the last day, of its
recorded 30-minute p90; and the usual event rate of a job over the last
day. One recorded sample every 5 minutes is read, rather than every
bucket of a day of scrapes.`,
    name: 'ecs-events-exporter.baseline',
    interval: '5m',
    rules: [
      {
        record: 'ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m_median1d',
        expr: 'quantile_over_time(0.5, ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m[1d])',
      },
      {
        record: 'job:ecs_events_exporter_records_processed:rate1h_avg1d',
        expr: 'avg_over_time(job:ecs_events_exporter_records_processed:rate1h[1d])',
      },
    ],
  };

  const ecsAlerts: RuleGroup = {
    name: 'ecs-events-exporter.alerts',
    rules: [
      failedToStartAlert('critical'),
      failedToStartAlert('warning'),
      alert({
        name: 'EcsServiceTasksCrashLooping',
        comment: `The ECS counterpart of Kubernetes' crash looping pod: tasks whose
essential container exits within 5 minutes of RUNNING, with the same
windows and guards as failures to start.`,
        expr: `ecs_service:ecs_task_crashed_at_start:ratio_rate1h > 0.2
and
  ecs_service:ecs_task_crashed_at_start:rate3h * 10800 >= 3`,
        for: '5m',
        severity: 'warning',
        summary: 'Tasks of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} are crash looping',
        description:
          '{{ $value | humanizePercentage }} of the tasks of service "{{ $labels.ecs_service }}" (family {{ $labels.family }}) in cluster {{ $labels.ecs_cluster }} that stopped in the last hour exited within 5 minutes of RUNNING (stop code EssentialContainerExited), and at least 3 did in the last 3 hours.',
        dashboard: tasksDashboard(),
      }),
      burst({
        name: 'EcsTaskOutOfMemoryKillsBurst',
        comment: 'Tasks stopped for running out of memory.',
        metric: 'ecs_task_stopped_total',
        matchers: 'reason="out_of_memory"',
        labels: WORKLOAD,
        summary:
          'Containers of {{ $labels.ecs_cluster }}/{{ $labels.family }} are being killed for running out of memory',
        description:
          '{{ $value | printf "%.0f" }} tasks of family {{ $labels.family }} (service "{{ $labels.ecs_service }}", cluster {{ $labels.ecs_cluster }}) stopped with an OutOfMemoryError in the last 3 hours, and at least one in the last hour.',
      }),
      alert({
        name: 'EcsTaskImagePullSlow',
        comment: `Slow against an absolute bound (2 minutes), or against the family's own
last day (three times its usual p90, and at least 30 s), with enough
pulls in the last 30 minutes for the percentile to mean something.`,
        expr: `(
    ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m > 120
  or
    (
        ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m
      > 3 * ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m_median1d
    )
    and
      ecs_service:ecs_task_image_pull_duration_seconds:p90_rate30m > 30
)
and
  ecs_service:ecs_task_image_pulls:rate30m * 1800 >= 5`,
        for: '15m',
        severity: 'warning',
        summary:
          'Image pulls of {{ $labels.ecs_cluster }}/{{ $labels.family }} are slower than usual',
        description:
          'The 90th percentile of image pull time of family {{ $labels.family }} (service "{{ $labels.ecs_service }}", cluster {{ $labels.ecs_cluster }}) over the last 30 minutes is {{ $value | humanizeDuration }}: over 2 minutes, or over three times its usual 90th percentile of the last day.',
        dashboard: tasksDashboard(),
      }),
      burst({
        name: 'EcsTaskHealthCheckFailures',
        comment: 'Tasks stopped by the scheduler for failing their health checks.',
        metric: 'ecs_task_stopped_total',
        matchers: 'reason="health_check_failed"',
        labels: WORKLOAD,
        summary:
          'Tasks of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} are failing health checks',
        description:
          '{{ $value | printf "%.0f" }} tasks of service "{{ $labels.ecs_service }}" (family {{ $labels.family }}) in cluster {{ $labels.ecs_cluster }} were stopped for failing health checks in the last 3 hours, and at least one in the last hour.',
      }),
      alert({
        name: 'EcsServiceDeploymentFailed',
        comment: `The deployment, service action and container exit counters are born at 1
when their first fact is the first event seen of their labels, which
increase() cannot see: see \`counted\` in tools/rules/rules.ts for how a
series that appeared is counted without a takeover counting every
restored series as new.`,
        expr: `max ${by(...SERVICE)} (
  ${counted('ecs_service_deployments_total', 'outcome=~"failed|rolled_back"', '1h', 2)}
) > 0`,
        severity: 'warning',
        summary:
          'A deployment of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} failed or was rolled back',
        description:
          '{{ $value | printf "%.0f" }} deployment(s) of service "{{ $labels.ecs_service }}" in cluster {{ $labels.ecs_cluster }} (account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) failed or were rolled back by the deployment circuit breaker in the last hour: the new version is not running, whatever the deploy tool reported.',
        dashboard: deploymentsDashboard(),
      }),
      alert({
        name: 'EcsServiceDeploymentStuck',
        comment: `A deployment neither completed nor failed long after it started: the
circuit breaker is off, or tasks cannot reach a steady state (ECS keeps
trying). From the in-progress gauge, so it fires while nothing moves.`,
        expr: `time() - min ${by(...SERVICE)} (ecs_service_deployment_in_progress_since_timestamp_seconds${sel()}) > ${c.deploymentStuckSeconds}`,
        severity: 'warning',
        summary:
          'A deployment of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} has been in progress for {{ $value | humanizeDuration }}',
        description: `The oldest unfinished deployment of service "{{ $labels.ecs_service }}" in cluster {{ $labels.ecs_cluster }} (account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) started {{ $value | humanizeDuration }} ago and has neither completed nor failed (threshold ${hours(c.deploymentStuckSeconds)}).`,
        dashboard: deploymentsDashboard(),
      }),
      alert({
        name: 'EcsTasksPendingTooLong',
        comment: `Tasks that stay in PROVISIONING, PENDING or ACTIVATING: a capacity
provider that does not scale, an ENI or image that never comes. ECS
sends no placement failure for them.`,
        expr: `time() - min ${by(...WORKLOAD)} (ecs_task_pending_since_timestamp_seconds${sel()}) > ${c.taskPendingSeconds}`,
        severity: 'warning',
        summary:
          'Tasks of {{ $labels.ecs_cluster }}/{{ $labels.family }} have been starting for {{ $value | humanizeDuration }}',
        description: `The oldest task of family {{ $labels.family }} (service "{{ $labels.ecs_service }}", cluster {{ $labels.ecs_cluster }}, account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) still in PROVISIONING, PENDING or ACTIVATING was created {{ $value | humanizeDuration }} ago (threshold ${hours(c.taskPendingSeconds)}).`,
        dashboard: tasksDashboard(),
      }),
      alert({
        name: 'EcsServiceTaskPlacementFailing',
        comment: `ECS reports a placement failure each time the scheduler tries and finds
no capacity: three in 30 minutes, still so 10 minutes later, is a
service that cannot reach its desired count, not a blip in a scale-out.`,
        expr: `sum ${by(...SERVICE, 'reason')} (
  ${counted('ecs_service_action_events_total', 'event_name=~".*TASK_PLACEMENT_FAILURE"', '30m', 2)}
) >= 3`,
        for: '10m',
        severity: 'warning',
        summary:
          'ECS cannot place tasks of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} ({{ $labels.reason }})',
        description:
          '{{ $value | printf "%.0f" }} task placement failures of service "{{ $labels.ecs_service }}" in cluster {{ $labels.ecs_cluster }} (account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) in the last 30 minutes, for {{ $labels.reason }}: the cluster has no capacity that fits its tasks.',
        dashboard: deploymentsDashboard(),
      }),
      alert({
        name: 'EcsServiceTaskStartImpaired',
        comment: "ECS's own judgement that a service cannot start tasks consistently.",
        expr: `sum ${by(...SERVICE)} (
  ${counted('ecs_service_action_events_total', 'event_name=~".*TASK_START_IMPAIRED"', '30m', 2)}
) > 0`,
        severity: 'warning',
        summary:
          'ECS reports that {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} cannot start tasks',
        description:
          'ECS sent {{ $value | printf "%.0f" }} SERVICE_TASK_START_IMPAIRED event(s) for service "{{ $labels.ecs_service }}" in cluster {{ $labels.ecs_cluster }} (account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) in the last 30 minutes: it is unable to consistently start tasks.',
        dashboard: deploymentsDashboard(),
      }),
      alert({
        name: 'EcsContainerInstanceAgentDisconnected',
        comment: `The gauge follows each instance's newest event, and shows no series at
0: it resolves when the agent reconnects. Agents disconnect for seconds
when they update, hence the 10 minutes.`,
        expr: `sum ${by(...CLUSTER)} (ecs_container_instances${sel('status!="INACTIVE"', 'agent_connected="false"')}) > 0`,
        for: '10m',
        severity: 'warning',
        summary: 'Container instances of {{ $labels.ecs_cluster }} have a disconnected ECS agent',
        description:
          '{{ $value | printf "%.0f" }} registered container instance(s) of cluster {{ $labels.ecs_cluster }} (account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) have had their ECS agent disconnected for 10 minutes: ECS places no new task on them and cannot stop the ones they run.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      burst({
        name: 'EcsContainerExitCode137Burst',
        comment: `Exit code 137 is SIGKILL: the kernel's OOM killer, or a stop whose
SIGTERM was ignored past the stop timeout. Per container, so an OOM of a
sidecar that does not stop its task shows too.`,
        metric: 'ecs_container_exits_total',
        matchers: 'exit_code="137"',
        labels: [...WORKLOAD, 'container_name'],
        summary:
          'Container {{ $labels.container_name }} of {{ $labels.ecs_cluster }}/{{ $labels.family }} keeps being killed (exit code 137)',
        description:
          '{{ $value | printf "%.0f" }} exits with code 137 (SIGKILL: out of memory, or not stopping within the stop timeout) of container {{ $labels.container_name }} of family {{ $labels.family }} (service "{{ $labels.ecs_service }}", cluster {{ $labels.ecs_cluster }}, account {{ $labels.aws_account_id }}, {{ $labels.aws_region }}) in the last 3 hours, and at least one in the last hour.',
      }),
      alert({
        name: 'EcsAccountRegionSilent',
        comment: `One account and region whose events stopped (its cross-account rule
disabled or deleted, a bus policy changed) while others still arrive: it
sent events within the last day, none for the threshold, and the job has
seen an event in the last 15 minutes (a silent stream is
EcsEventsExporterNoRecentEvents).`,
        expr: `(
    time() - max ${by('aws_account_id', 'aws_region')} (ecs_events_last_event_timestamp_seconds${sel()}) > ${c.accountSilentSeconds}
  and
    time() - max ${by('aws_account_id', 'aws_region')} (ecs_events_last_event_timestamp_seconds${sel()}) < 86400
)
and on (job)
  (time() - max by (job) (ecs_events_last_event_timestamp_seconds${sel()}) < 900)`,
        severity: 'warning',
        summary:
          'No ECS event from account {{ $labels.aws_account_id }} in {{ $labels.aws_region }} for {{ $value | humanizeDuration }}',
        description: `The newest event from account {{ $labels.aws_account_id }} in {{ $labels.aws_region }} is {{ $value | humanizeDuration }} old (threshold ${hours(c.accountSilentSeconds)}), while other accounts' events still arrive: its EventBridge rule or the bus policy that forwards it may be disabled.`,
        dashboard: tasksDashboard([...c.keepLabels, 'aws_account_id', 'aws_region']),
      }),
    ],
  };

  const exporterAlerts: RuleGroup = {
    comment: `The exporter itself. An active/standby pair is one service: a standby
down loses nothing (warning), no replica leading loses every event
(critical), as does no replica scraped at all.`,
    name: 'ecs-events-exporter.exporter',
    rules: [
      alert({
        name: 'EcsEventsExporterDown',
        comment: 'One replica: its partner (if any) still leads or can take over.',
        expr: `up${sel()} == 0`,
        for: '5m',
        severity: 'warning',
        summary: 'ecs-events-exporter {{ $labels.instance }} cannot be scraped',
        description:
          'Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes. With an active/standby pair nothing is lost while the other replica leads (EcsEventsExporterNoLeader says when none does).',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterAbsent',
        comment: `No target of the selector is scraped successfully: all down, or none
discovered. absent() of a comparison keeps no label: the description
names the selector.`,
        expr: `absent(up${sel()} == 1)`,
        for: '10m',
        severity: 'critical',
        summary: 'No ecs-events-exporter target is up',
        description: `Prometheus has scraped no target of {${c.selector}} successfully for 10 minutes: the exporter is down or not deployed, or service discovery lost it. ECS events are not read.`,
        dashboard: healthDashboard([]),
      }),
      alert({
        name: 'EcsEventsExporterNoLeader',
        comment: `Replicas of an active/standby pair are up and none holds the lease (for
example DynamoDB access denied): no event is read until the stream's
retention drops them. Only lease-run replicas serve the gauge.`,
        expr: `max by (job) (ecs_events_exporter_leader${sel()}) == 0`,
        for: '5m',
        severity: 'critical',
        summary: 'No ecs-events-exporter replica of {{ $labels.job }} holds the lease',
        description:
          'Every replica of job {{ $labels.job }} has served ecs_events_exporter_leader 0 for 5 minutes: none reads the stream, and events older than its retention will be lost. /readyz of each says why.',
        dashboard: healthDashboard(['job']),
      }),
      alert({
        name: 'EcsEventsExporterMultipleLeaders',
        comment:
          'Two replicas both say they lead: their saves overwrite each other. A takeover overlaps for less than a lease duration.',
        expr: `sum by (job) (ecs_events_exporter_leader${sel()}) > 1`,
        for: '5m',
        severity: 'warning',
        summary: '{{ $value }} ecs-events-exporter replicas of {{ $labels.job }} claim to lead',
        description:
          "{{ $value }} replicas of job {{ $labels.job }} have served ecs_events_exporter_leader 1 for 5 minutes: they count the same events and overwrite each other's saved state. Check that they share one --lease-table and lease name, and their clocks.",
        dashboard: healthDashboard(['job']),
      }),
      alert({
        name: 'EcsEventsExporterStreamLagGrowing',
        comment: `Behind by more than a minute and still falling behind, or simply far
behind (15 minutes) whatever the trend.`,
        expr: `(
    max by (job, instance, shard_id) (ecs_events_exporter_kinesis_shard_lag_seconds${sel()}) > 60
  and
    max by (job, instance, shard_id) (deriv(ecs_events_exporter_kinesis_shard_lag_seconds${sel()}[10m])) > 0
)
or
  max by (job, instance, shard_id) (ecs_events_exporter_kinesis_shard_lag_seconds${sel()}) > 900`,
        for: '10m',
        severity: 'warning',
        summary:
          'ecs-events-exporter {{ $labels.instance }} is falling behind on shard {{ $labels.shard_id }}',
        description:
          'Shard {{ $labels.shard_id }} is read {{ $value | humanizeDuration }} behind the tip of the stream by {{ $labels.instance }}, and the lag has been growing (or is over 15 minutes) for 10 minutes.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterReadErrors',
        comment: `A shard (or the shard listing, shard_id="") whose calls keep failing
with no successful GetRecords in between: its lag gauge keeps its last
value, so the lag alert cannot see it.`,
        expr: `sum by (job, instance, shard_id) (increase(ecs_events_exporter_kinesis_errors_total${sel('operation=~"ListShards|GetShardIterator|GetRecords"')}[10m])) > 0
unless on (job, instance, shard_id)
  sum by (job, instance, shard_id) (increase(ecs_events_exporter_kinesis_get_records_calls_total${sel()}[10m])) > 0`,
        for: '10m',
        severity: 'warning',
        summary:
          'ecs-events-exporter {{ $labels.instance }} cannot read shard "{{ $labels.shard_id }}"',
        description:
          '{{ $value | printf "%.0f" }} Kinesis calls for shard "{{ $labels.shard_id }}" (empty: listing the shards) by {{ $labels.instance }} failed in the last 10 minutes, and none succeeded for 20 minutes: its events are not being read.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterStateNotSaved',
        comment: `Only exposed with --state-dir. The state is saved every
--checkpoint-interval (5 s by default; the 120 s threshold assumes at
most 60 s). Fires on failed saves (the counter) and on saves that
stopped succeeding without failing (the age: a save that never
returns), whichever shows first.`,
        expr: `max by (job, instance) (ecs_events_exporter_kinesis_checkpoint_age_seconds${sel()}) > 120
or
sum by (job, instance) (increase(ecs_events_exporter_state_save_failures_total${sel()}[5m])) >= 5`,
        for: '2m',
        severity: 'critical',
        summary:
          'ecs-events-exporter {{ $labels.instance }} cannot save its state: its metrics are frozen',
        description:
          '{{ $labels.instance }} has not saved its counting state and positions recently (failed saves, or a save that does not return). Its /metrics show the values of the last save, so every ECS task metric of it stands still; /readyz gives the reason.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterNoRecentEvents',
        comment: `The newest event of the job is older than ten of its usual gaps between
events (from its event rate over the last day), at least 15 minutes and
at most a day (a day also where no rate is recorded yet): a busy stream
warns within minutes, a quiet account does not warn every night.`,
        expr: `(time() - max by (job) (ecs_events_exporter_last_event_timestamp_seconds${sel()}))
> on (job)
  clamp_max(clamp_min(10 / job:ecs_events_exporter_records_processed:rate1h_avg1d, 900), 86400)
or
  time() - max by (job) (ecs_events_exporter_last_event_timestamp_seconds${sel()}) > 86400`,
        for: '15m',
        severity: 'warning',
        summary:
          'ecs-events-exporter job {{ $labels.job }} has seen no ECS event for {{ $value | humanizeDuration }}',
        description:
          'The newest ECS event seen by job {{ $labels.job }} is {{ $value | humanizeDuration }} old, more than ten of its usual gaps between events over the last day. Either nothing changed in any account, or events no longer reach the stream (see the dead-letter queue alarm) or the exporter.',
        dashboard: healthDashboard(['job']),
      }),
      alert({
        name: 'EcsEventsExporterNoEventsReceived',
        comment: `The newest-event gauge only exists once an event was seen: a running
exporter without it has never received one. A standby of an
active/standby pair (leader 0) reads nothing by design.`,
        expr: `max by (job, instance) (ecs_events_exporter_build_info${sel()})
unless on (job, instance)
  ecs_events_exporter_last_event_timestamp_seconds${sel()}
unless on (job, instance)
  (ecs_events_exporter_leader${sel()} == 0)`,
        for: '1h',
        severity: 'warning',
        summary:
          'ecs-events-exporter {{ $labels.instance }} has never received a task state change',
        description:
          "{{ $labels.instance }} (job {{ $labels.job }}) has been running for an hour without a single ECS task state change event: the EventBridge rule, the stream or the exporter's --stream is wrong.",
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterInvalidRecords',
        comment: 'A share of the records, with a floor: one stray record is not an incident.',
        expr: `sum by (job, instance) (increase(ecs_events_exporter_records_total${sel('result="invalid"')}[1h]))
/ sum by (job, instance) (increase(ecs_events_exporter_records_total${sel()}[1h]))
> 0.01
and on (job, instance)
  sum by (job, instance) (increase(ecs_events_exporter_records_total${sel('result="invalid"')}[1h])) >= 10`,
        for: '10m',
        severity: 'warning',
        summary: 'ecs-events-exporter {{ $labels.instance }} is reading invalid records',
        description:
          '{{ $value | humanizePercentage }} of the records read by {{ $labels.instance }} in the last hour (10 or more) were not valid events (not JSON, or a task state change missing taskArn, lastStatus or version); they are skipped.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterSeriesFolding',
        expr: `sum by (job, instance, metric) (increase(ecs_events_exporter_series_folded_total${sel()}[10m])) > 0`,
        severity: 'warning',
        summary:
          'ecs-events-exporter {{ $labels.instance }} is folding series of {{ $labels.metric }}',
        description:
          '{{ $value | printf "%.0f" }} facts of {{ $labels.metric }} were recorded by {{ $labels.instance }} under ecs_cluster, ecs_service and family "_other_" in the last 10 minutes: the metric reached --max-series-per-metric, and alerts on those facts lose the labels that route them.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
      alert({
        name: 'EcsEventsExporterCapacityEvictions',
        expr: `sum by (job, instance) (increase(ecs_events_exporter_task_state_evictions_total${sel('cause="capacity"')}[10m])) > 0`,
        severity: 'warning',
        summary:
          'ecs-events-exporter {{ $labels.instance }} is evicting tracked tasks for capacity',
        description:
          '{{ $value | printf "%.0f" }} tracked tasks were dropped by {{ $labels.instance }} in the last 10 minutes because --max-tracked-tasks was reached: a late duplicate of one of them would be counted twice.',
        dashboard: healthDashboard(['job', 'instance']),
      }),
    ],
  };

  const daemonsHooks: RuleGroup = {
    comment: `ECS Managed Instances: managed daemons, container instance health and
deployment lifecycle hooks. A group of their own. Daemon series are
aggregated to (aws_account_id, aws_region, ecs_cluster, daemon),
instance health to the capacity provider and check, hooks to the service
and lifecycle stage. Daemon deployment and hook status series are born at
0 with the daemon or hook, so a first rollback or failure is an increase.`,
    name: 'ecs-events-exporter.daemons-hooks',
    rules: [
      alert({
        name: 'EcsDaemonTasksFailingToStart',
        comment: `Daemon tasks that did not start, on any instances, at least 3 times in
the last hour: one failure is a blip; a daemon that keeps failing
leaves instances without their agent or log router. The first failure
of each failure type and reason starts its series and is not counted
as an increase.`,
        expr: `sum ${by(...CLUSTER, 'daemon')} (increase(ecs_daemon_task_start_impaired_total${sel()}[1h])) >= 3`,
        severity: 'warning',
        summary: 'Daemon {{ $labels.ecs_cluster }}/{{ $labels.daemon }} keeps failing to start',
        description:
          'Daemon tasks of {{ $labels.daemon }} in cluster {{ $labels.ecs_cluster }} failed to start {{ $value | printf "%.0f" }} times in the last hour (DAEMON_TASK_START_IMPAIRED).',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsDaemonDeploymentRolledBack',
        expr: `sum ${by(...CLUSTER, 'daemon')} (increase(ecs_daemon_deployments_total${sel('status="rollback_in_progress"')}[1h])) > 0`,
        severity: 'warning',
        summary:
          'A deployment of daemon {{ $labels.ecs_cluster }}/{{ $labels.daemon }} is rolling back',
        description:
          'A deployment of daemon {{ $labels.daemon }} in cluster {{ $labels.ecs_cluster }} started rolling back in the last hour ({{ $value | printf "%.0f" }}): the circuit breaker or an alarm stopped it.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsDaemonDeploymentRollbackFailed',
        comment: "A failed rollback leaves the daemon's instances on mixed revisions.",
        expr: `sum ${by(...CLUSTER, 'daemon')} (increase(ecs_daemon_deployments_total${sel('status="rollback_failed"')}[3h])) > 0`,
        severity: 'critical',
        summary: 'The rollback of daemon {{ $labels.ecs_cluster }}/{{ $labels.daemon }} failed',
        description:
          'The rollback of a deployment of daemon {{ $labels.daemon }} in cluster {{ $labels.ecs_cluster }} failed in the last 3 hours: its instances may run mixed revisions.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsContainerInstancesImpaired',
        comment: `More than a fifth of a capacity provider's instances impaired on one
check: more than auto-repair replacing a bad host.`,
        expr: `sum ${by(...CLUSTER, 'capacity_provider', 'check')} (ecs_container_instance_health${sel('check!="overall"', 'status="IMPAIRED"')})
/ ${on(...CLUSTER, 'capacity_provider')} group_left
  sum ${by(...CLUSTER, 'capacity_provider')} (ecs_container_instance_health${sel('check="overall"')})
> 0.2`,
        for: '5m',
        severity: 'warning',
        summary:
          '{{ $value | humanizePercentage }} of {{ $labels.ecs_cluster }}/{{ $labels.capacity_provider }} instances fail the {{ $labels.check }} check',
        description:
          '{{ $value | humanizePercentage }} of the container instances of capacity provider {{ $labels.capacity_provider }} in cluster {{ $labels.ecs_cluster }} have had their {{ $labels.check }} health check IMPAIRED for 5 minutes.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsContainerInstanceImpairedTooLong',
        comment: `An impaired instance should be repaired or replaced within minutes;
one impaired for 30 minutes is not being repaired.`,
        expr: `sum ${by(...CLUSTER, 'capacity_provider', 'check')} (ecs_container_instance_health${sel('check!="overall"', 'status="IMPAIRED"')}) > 0`,
        for: '30m',
        severity: 'warning',
        summary:
          'Instances of {{ $labels.ecs_cluster }}/{{ $labels.capacity_provider }} have failed the {{ $labels.check }} check for 30 minutes',
        description:
          '{{ $value | printf "%.0f" }} container instances of capacity provider {{ $labels.capacity_provider }} in cluster {{ $labels.ecs_cluster }} have had their {{ $labels.check }} health check IMPAIRED for over 30 minutes: longer than auto-repair takes.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsContainerInstanceGpuXidError',
        comment: 'An accelerated compute check is IMPAIRED on a GPU Xid error.',
        expr: `sum ${by(...CLUSTER, 'capacity_provider')} (ecs_container_instance_health${sel('check="ACCELERATED_COMPUTE"', 'status="IMPAIRED"')}) > 0`,
        for: '5m',
        severity: 'warning',
        summary:
          'GPUs of {{ $labels.ecs_cluster }}/{{ $labels.capacity_provider }} report Xid errors',
        description:
          '{{ $value | printf "%.0f" }} container instances of capacity provider {{ $labels.capacity_provider }} in cluster {{ $labels.ecs_cluster }} have had their accelerated compute check IMPAIRED (a GPU Xid error) for 5 minutes.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsContainerInstanceAgentConnectivityImpaired',
        expr: `sum ${by(...CLUSTER, 'capacity_provider')} (ecs_container_instance_health${sel('check="AGENT_CONNECTIVITY"', 'status="IMPAIRED"')}) > 0`,
        for: '10m',
        severity: 'warning',
        summary:
          'ECS agents of {{ $labels.ecs_cluster }}/{{ $labels.capacity_provider }} are disconnected',
        description:
          '{{ $value | printf "%.0f" }} container instances of capacity provider {{ $labels.capacity_provider }} in cluster {{ $labels.ecs_cluster }} have had their agent connectivity check IMPAIRED for 10 minutes: ECS cannot place tasks on them or see their tasks.',
        dashboard: deploymentsDashboard([...c.keepLabels, ...CLUSTER]),
      }),
      alert({
        name: 'EcsDeploymentHookAwaitingAction',
        comment: `A pause hook waits for ContinueServiceDeployment until its timeout
(10 minutes in ECS's example): tell approvers after 5.`,
        expr: `sum ${by(...SERVICE, 'lifecycle_stage')} (ecs_service_deployment_hooks_awaiting_action${sel()}) > 0`,
        for: '5m',
        severity: 'warning',
        summary:
          'A deployment of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} waits for approval',
        description:
          '{{ $value | printf "%.0f" }} deployment hooks of service {{ $labels.ecs_service }} in cluster {{ $labels.ecs_cluster }} at stage {{ $labels.lifecycle_stage }} have awaited action for 5 minutes: continue or roll back before the hook expires.',
        dashboard: deploymentsDashboard(),
      }),
      alert({
        name: 'EcsDeploymentHookFailed',
        expr: `sum ${by(...SERVICE, 'lifecycle_stage', 'status')} (increase(ecs_service_deployment_hooks_total${sel('status=~"failed|timed_out"')}[1h])) > 0`,
        severity: 'warning',
        summary:
          'A deployment hook of {{ $labels.ecs_cluster }}/{{ $labels.ecs_service }} {{ $labels.status }}',
        description:
          "A deployment hook of service {{ $labels.ecs_service }} in cluster {{ $labels.ecs_cluster }} at stage {{ $labels.lifecycle_stage }} ended {{ $labels.status }} in the last hour: the deployment rolls back, or (timed out) takes the hook's timeout action.",
        dashboard: deploymentsDashboard(),
      }),
    ],
  };

  return [recording, baseline, ecsAlerts, exporterAlerts, daemonsHooks];
}
