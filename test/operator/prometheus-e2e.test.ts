/**
 * End to end: the exporter's own `run` command (dist/cli.js, as `npm test`
 * builds it) reads a local Kinesis-API stream that the test fills the way
 * EventBridge does; a real Prometheus scrapes it every second and evaluates
 * the rules every second. Every dashboard query, variable query, recording
 * rule and alert expression goes through Prometheus' HTTP API and must be
 * valid, and return data where data is expected; a burst of failed starts
 * (and of OOM kills, health-check failures, failed and rolled back
 * deployments, placement failures, impaired starts and a container instance
 * agent that goes away) must fire the alerts that watch for them, which stay
 * silent before it.
 */

import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalKinesis,
  putEvents,
  startLocalKinesis,
} from '../../src/simulator/local-kinesis.js';
import type { Episode } from '../../src/simulator/service-events.js';
import { DEFAULT_DELIVERY, generateCorpus } from '../../src/simulator/simulator.js';
import type { Scenario } from '../../src/simulator/task-lifecycle.js';
import { createKinesisClient } from '../../src/sources/kinesis/kinesis-client.js';
import { renderDashboards } from '../../tools/dashboards/dashboards.js';
import { EXPORTER_JOB } from '../../tools/dashboards/exporter-health.js';
import { exited, startCli, URL_IN_LOG } from '../helpers/cli.js';
import { sumOf } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { type RunningPrometheus, startPrometheus } from './prometheus.js';
import { parseLabelValues } from './promql.js';
import { allRules, loadRuleGroups, type RuleGroup } from './rules.js';

const prometheusPresent = spawnSync('prometheus', ['--version']).status === 0;
const STREAM = 'ecs-task-events-e2e';

/** The alerts the burst below must fire. */
const BURST_ALERTS = [
  'EcsServiceTasksFailingToStart',
  'EcsServiceTasksCrashLooping',
  'EcsTaskOutOfMemoryKillsBurst',
  'EcsTaskHealthCheckFailures',
  'EcsServiceDeploymentFailed',
  'EcsServiceTaskPlacementFailing',
  'EcsServiceTaskStartImpaired',
  'EcsContainerInstanceAgentDisconnected',
  'EcsContainerExitCode137Burst',
  'EcsDaemonTasksFailingToStart',
  'EcsDaemonDeploymentRolledBack',
  'EcsDaemonDeploymentRollbackFailed',
  'EcsContainerInstancesImpaired',
  'EcsContainerInstanceImpairedTooLong',
  'EcsContainerInstanceGpuXidError',
  'EcsContainerInstanceAgentConnectivityImpaired',
  'EcsDeploymentHookAwaitingAction',
  'EcsDeploymentHookFailed',
];
/** Alerts the invalid records put with the burst must fire. */
const INVALID_ALERTS = ['EcsEventsExporterInvalidRecords'];
/** Simulated pulls take up to 4 minutes in their tail: the p90 may or may not cross the bound. */
const EITHER_ALERTS = [
  'EcsTaskImagePullSlow',
  // The simulator's tasks and deployments may or may not be starting when the rules run.
  'EcsTasksPendingTooLong',
  'EcsServiceDeploymentStuck',
];
/** Alerts whose expression must be empty here: the exporter is up, current and keeping up. */
const QUIET_ALERTS = [
  'EcsEventsExporterDown',
  'EcsEventsExporterAbsent',
  'EcsEventsExporterNoRecentEvents',
  'EcsEventsExporterNoEventsReceived',
  'EcsEventsExporterStreamLagGrowing',
  'EcsEventsExporterReadErrors',
  'EcsEventsExporterStateNotSaved',
  'EcsEventsExporterSeriesFolding',
  'EcsEventsExporterCapacityEvictions',
  // One exporter, without a lease table: no leader gauge at all.
  'EcsEventsExporterNoLeader',
  'EcsEventsExporterMultipleLeaders',
  'EcsAccountRegionSilent',
];
/** A healthy read of a local stream has no Kinesis errors, so no series of them. */
const expectedEmpty = (expr: string) => expr.includes('ecs_events_exporter_kinesis_errors_total');
/**
 * Current-state gauges that hold only while something is starting or
 * deploying, the leader gauge (served with --lease-table) and folding (none
 * here): queries of them may be empty.
 */
const mayBeEmpty = (expr: string) =>
  /pending_since|in_progress_since|ecs_events_exporter_leader|series_folded/.test(expr);

/** Streamed while Prometheus scrapes: tasks that never fail to start, OOM or fail health checks. */
const STEADY: Scenario[] = [
  'service_replaced',
  'ec2_service_replaced',
  'batch_succeeded',
  'batch_failed',
  'spot_interrupted',
  'user_stopped',
  'host_lost',
];
const BURST: Scenario[] = [
  'image_pull_failed',
  'out_of_memory',
  'health_check_failed',
  'crash_loop',
];
/** Episodes of the other ECS events whose series the burst grows: in the baseline too. */
const BURST_EPISODES: Episode[] = [
  'rollback',
  'placement_pressure',
  'start_impaired',
  'daemon_rollback',
  'daemon_start_failures',
  'deployment_hooks',
  'instance_health',
];
/** Every task with an episode of the other ECS events, or none. */
const WITH_EPISODES = { ...DEFAULT_DELIVERY, otherEventRate: 1 };
const WITHOUT_EPISODES = { ...DEFAULT_DELIVERY, otherEventRate: 0 };

/**
 * The rule file with every `for:` and group `interval:` dropped, so pending
 * alerts fire, and every group is evaluated, within the test.
 */
function rulesWithoutFor(): string {
  const shortened: RuleGroup[] = loadRuleGroups().map(({ interval: _interval, ...g }) => ({
    ...g,
    rules: g.rules.map(({ for: _for, ...rule }) => rule),
  }));
  return stringify({ groups: shortened });
}

/** A dashboard query as Grafana would send it with every variable at All. */
function instantiate(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__interval/g, '1m')
    .replace(/\$__range/g, '1h')
    .replace(/\$\{?\w+\}?/g, '.*');
}

// One story against one exporter and one Prometheus (starting them takes most
// of a minute): quiet, then a burst of failures, then the queries that need
// the alerts it fires, last the broken state directory. Its steps keep their
// order under --sequence.shuffle.
describe('Prometheus end to end', { shuffle: false }, () => {
  let kinesis: LocalKinesis;
  let exporter: ChildProcess | undefined;
  let exporterUrl: string;
  let prometheus: RunningPrometheus;
  let feeder: NodeJS.Timeout | undefined;
  let feeding: Promise<void> = Promise.resolve();
  const stateDir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-e2e-state-'));
  const producer = () =>
    createKinesisClient({
      endpoint: kinesis.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  const put = (events: readonly unknown[]) => {
    const client = producer();
    feeding = feeding.then(() => putEvents(client, STREAM, events)).finally(() => client.destroy());
    return feeding;
  };
  const metricsText = async () => (await fetch(`${exporterUrl}/metrics`)).text();
  const now = Date.now();

  beforeAll(async () => {
    expect(
      prometheusPresent,
      'prometheus is needed: apt-get install prometheus (npm test does, as root)',
    ).toBe(true);
    kinesis = await startLocalKinesis();
    const client = producer();
    await createStream(client, STREAM, 2);
    client.destroy();
    // Before the first scrape: every series the burst will grow exists already,
    // so Prometheus sees the burst as an increase (a counter's first sample is not one).
    const baseline = [
      ...generateCorpus({ tasks: 80, seed: 11, startMs: now - 20 * 60_000 }),
      ...generateCorpus({ tasks: 40, seed: 12, startMs: now - 15 * 60_000, scenarios: BURST }),
      ...generateCorpus({
        tasks: 60,
        seed: 18,
        startMs: now - 15 * 60_000,
        scenarios: ['service_replaced'],
        // Agents that come back: the instance series exist, and none is left disconnected.
        episodes: [...BURST_EPISODES, 'agent_flap'],
        delivery: WITH_EPISODES,
      }),
    ];
    await put(baseline);

    const started = await startCli(
      [
        'run',
        '--stream',
        STREAM,
        '--start-position',
        'TRIM_HORIZON',
        '--state-dir',
        stateDir,
        '--checkpoint-interval',
        '1s',
        '--listen-address',
        '127.0.0.1:0',
        '--log-level',
        'info',
      ],
      URL_IN_LOG,
      {
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      },
    );
    exporter = started.child;
    exporterUrl = started.match[1] as string;
    // The whole baseline is counted before Prometheus' first scrape.
    await waitFor(
      async () =>
        sumOf(await metricsText(), 'ecs_events_exporter_records_total') >= baseline.length,
      15_000,
      'the exporter to read the baseline',
      200,
    );

    prometheus = await startPrometheus({
      job: EXPORTER_JOB,
      targets: [new URL(exporterUrl).host],
      ruleFiles: { 'ecs-events-exporter.rules.yaml': rulesWithoutFor() },
      intervalSeconds: 1,
    });

    // A steady stream of tasks, a few records at a time, for as long as the test runs.
    const steady = generateCorpus({
      tasks: 150,
      seed: 13,
      startMs: now - 60_000,
      meanGapMs: 150,
      scenarios: STEADY,
      delivery: WITHOUT_EPISODES,
    });
    let next = 0;
    feeder = setInterval(() => {
      if (next < steady.length) void put(steady.slice(next, next + 10));
      next += 10;
    }, 250);

    await waitFor(
      async () =>
        (await prometheus.query(`sum(rate(ecs_task_stopped_total{job="${EXPORTER_JOB}"}[1m])) > 0`))
          .length > 0,
      20_000,
      'the first scrapes of the exporter',
      200,
    );
  }, 60_000);

  afterAll(async () => {
    if (feeder !== undefined) clearInterval(feeder);
    await feeding.catch(() => {});
    await prometheus?.stop();
    if (exporter !== undefined && exporter.exitCode === null) {
      exporter.kill('SIGTERM');
      await exited(exporter);
    }
    await kinesis?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('loads every rule, and a burst of failures fires the alerts that stay silent before', async () => {
    const rules = await prometheus.api<{ groups: { rules: { name: string }[] }[] }>(
      '/api/v1/rules',
    );
    const loaded = rules.groups.flatMap((g) => g.rules.map((r) => r.name)).sort();
    expect(loaded).toEqual(
      allRules(loadRuleGroups())
        .map((r) => r.alert ?? r.record)
        .sort(),
    );

    const firing = async (alertname: string) =>
      prometheus.query(`ALERTS{alertname="${alertname}", alertstate="firing"}`);
    // Before the burst the rules are evaluated and see no failure at all.
    await waitFor(
      async () =>
        (await prometheus.query('ecs_service:ecs_task_failed_to_start:ratio_rate1h')).length > 0,
      10_000,
      'the failure ratio to be recorded',
      200,
    );
    const ratios = await prometheus.query('ecs_service:ecs_task_failed_to_start:ratio_rate1h');
    expect(ratios.map((s) => Number(s.value[1]))).toEqual(ratios.map(() => 0));
    for (const name of BURST_ALERTS) expect(await firing(name), name).toEqual([]);

    // 60 invalid records (JSON strings, events whose detail is an array: over
    // the alert's floor of 10 and 1% of the records read while it watches);
    // 60 tasks that fail to start (most of the stops of each service from now
    // on), 80 that exit within seconds of RUNNING, 35 that are OOM-killed
    // (exit code 137) and 30 that fail health checks (about 5 per service,
    // over the alerts' 3); deployments rolled back, placement failures and
    // impaired starts on the services of the baseline's (about 5 per series,
    // over the alerts' 1 and 3); a container instance whose agent goes away;
    // daemon rollbacks (the first of them failing), daemon tasks failing to
    // start and failed hooks on the baseline's daemons and services.
    const burst = (tasks: number, seed: number, scenario: Scenario) =>
      generateCorpus({
        tasks,
        seed,
        startMs: now - 5 * 60_000,
        scenarios: [scenario],
        delivery: WITHOUT_EPISODES,
      });
    const episodes = (tasks: number, seed: number, kinds: Episode[]) =>
      generateCorpus({
        tasks,
        seed,
        startMs: now - 5 * 60_000,
        scenarios: ['service_replaced'],
        episodes: kinds,
        delivery: WITH_EPISODES,
      });
    const invalid = Array.from({ length: 30 }, (_, i) => [
      `not an event ${i}`,
      { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: [i] },
    ]).flat();
    await put([
      ...invalid,
      ...burst(60, 14, 'image_pull_failed'),
      ...burst(80, 17, 'crash_loop'),
      ...burst(35, 15, 'out_of_memory'),
      ...burst(30, 16, 'health_check_failed'),
      ...episodes(90, 19, BURST_EPISODES),
      ...episodes(1, 20, ['agent_lost']),
      // The GPU instances of a cluster lose their GPUs and one its agent; a pause hook nobody answers.
      ...episodes(1, 21, ['instance_impaired']),
      ...episodes(1, 22, ['hook_awaiting']),
    ]);

    await waitFor(
      async () => {
        for (const name of BURST_ALERTS) if ((await firing(name)).length === 0) return false;
        return true;
      },
      20_000,
      'the burst alerts to fire',
      200,
    );
    const alerts = await prometheus.api<{
      alerts: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        state: string;
      }[];
    }>('/api/v1/alerts');
    const failing = alerts.alerts.filter(
      (a) => a.labels.alertname === 'EcsServiceTasksFailingToStart' && a.state === 'firing',
    );
    expect(failing.length).toBeGreaterThan(0);
    for (const alert of failing) {
      expect(alert.labels.severity).toBe('critical');
      expect(alert.labels.ecs_service).toMatch(/^(web|api|checkout|worker|payments)$/);
      expect(alert.labels.aws_account_id).toMatch(/^\d{12}$/);
      expect(alert.annotations.description).toContain(`service "${alert.labels.ecs_service}"`);
      expect(alert.annotations.runbook_url).toMatch(/runbook\.md#ecsservicetasksfailingtostart$/);
    }
    // Invalid records were read after the first scrape.
    for (const name of INVALID_ALERTS) expect(await firing(name)).toHaveLength(1);
  }, 40_000);

  // The tests below run after the burst above, in this order.
  it('runs every alert and recording expression: valid, and with data where expected', async () => {
    const empty: string[] = [];
    const rules = allRules(loadRuleGroups());
    // Every alert is placed in exactly one list, so a new alert needs a decision here.
    expect([...BURST_ALERTS, ...INVALID_ALERTS, ...EITHER_ALERTS, ...QUIET_ALERTS].sort()).toEqual(
      [...new Set(rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])))].sort(),
    );
    // An alert of several rules (critical in some clusters, warning elsewhere) needs data in one.
    const withData = new Set<string>();
    for (const rule of rules) {
      const name = (rule.alert ?? rule.record) as string;
      const result = await prometheus.query(rule.expr);
      if (QUIET_ALERTS.includes(name)) {
        expect(result, `${name} should be empty here`).toEqual([]);
      } else if (!EITHER_ALERTS.includes(name)) {
        empty.push(name);
        if (result.length > 0) withData.add(name);
      }
    }
    expect(
      [...new Set(empty)].filter((n) => !withData.has(n)),
      'rules without data',
    ).toEqual([]);
  });

  it('runs every dashboard query and variable query: valid, and with data', async () => {
    let checked = 0;
    const empty: string[] = [];
    for (const [file, text] of renderDashboards()) {
      const dashboard = JSON.parse(text) as {
        annotations: { list: { expr: string }[] };
        panels: { title: string; targets?: { expr: string }[] }[];
        templating: { list: { name: string; query?: { query: string } | string }[] };
      };
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const expr = instantiate(target.expr);
          const result = await prometheus.query(expr);
          checked++;
          if (expectedEmpty(expr)) expect(result, `${file}: ${panel.title}`).toEqual([]);
          else if (result.length === 0 && !mayBeEmpty(expr)) {
            empty.push(`${file}: ${panel.title}: ${expr}`);
          }
        }
      }
      // Annotation queries (ALERTS): after the burst, each dashboard shows firing alerts.
      for (const annotation of dashboard.annotations.list) {
        const result = await prometheus.query(instantiate(annotation.expr));
        expect(result.length, `${file}: ${annotation.expr}`).toBeGreaterThan(0);
        checked++;
      }
      for (const variable of dashboard.templating.list) {
        if (typeof variable.query !== 'object') continue;
        const parsed = parseLabelValues(variable.query.query);
        expect(parsed, variable.query.query).toBeDefined();
        const { series, label } = parsed as { series: string; label: string };
        const values = await prometheus.api<string[]>(
          `/api/v1/label/${label}/values?match[]=${encodeURIComponent(instantiate(series))}`,
        );
        expect(values.length, `${file}: $${variable.name}`).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(empty, 'dashboard queries without data').toEqual([]);
  });

  it('evaluates every rule without error', async () => {
    const rules = await prometheus.api<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>('/api/v1/rules');
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
    }
    expect(prometheus.log()).not.toMatch(/level=error/);
  });

  it('scrapes the exporter without error, in OpenMetrics as Prometheus asks, gzipped', async () => {
    const targets = await prometheus.api<{
      activeTargets: { health: string; lastError: string }[];
    }>('/api/v1/targets');
    expect(targets.activeTargets.length).toBeGreaterThan(0);
    for (const target of targets.activeTargets) {
      expect(target.lastError).toBe('');
      expect(target.health).toBe('up');
    }
    // What the exporter answers to the headers Prometheus sends.
    const response = await fetch(`${exporterUrl}/metrics`, {
      headers: {
        Accept:
          'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
        'Accept-Encoding': 'gzip',
      },
    });
    expect(response.headers.get('content-type')).toMatch(
      /^application\/openmetrics-text; version=1\.0\.0/,
    );
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect((await response.text()).endsWith('# EOF\n')).toBe(true);
  });

  // Last: it breaks the exporter's state directory.
  it('saves that start failing fire EcsEventsExporterStateNotSaved, and /readyz says why', async () => {
    const firing = async () =>
      prometheus.query('ALERTS{alertname="EcsEventsExporterStateNotSaved", alertstate="firing"}');
    expect(await firing()).toEqual([]);
    // The state directory is replaced by a file, as when a volume is swapped under the exporter.
    rmSync(stateDir, { recursive: true, force: true });
    writeFileSync(stateDir, 'not a directory\n');
    await waitFor(async () => (await firing()).length > 0, 20_000, 'the alert to fire', 200);
    const ready = await fetch(`${exporterUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(
      /saving the state to file .* failed \d+ time\(s\) in a row: cannot save the state to .*: a file is in the way where a directory is expected \(EEXIST\)/,
    );
  }, 30_000);
});
