/**
 * The Prometheus rules: promtool check rules and promtool test rules, only
 * catalog metrics and label values the exporter produces, recording-rule
 * names, and every alert's severity, summary, description and runbook link.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { STOP_REASON_NAMES } from '../../src/kinds/task-state-change/stop-reason.js';
import { RECORD_RESULTS } from '../../src/metrics/self-metrics.js';
import { DEFAULT_RULES_CONFIG, readRulesConfig } from '../../tools/rules/config.js';
import { renderPrometheusRule, renderRuleFile } from '../../tools/rules/prometheus-rule.js';
import { ruleGroups } from '../../tools/rules/rules.js';
import { selectorProblems, selectorsOf } from './promql.js';
import {
  allRules,
  loadRuleGroups,
  REPO,
  RULE_TESTS_DIR,
  RULES_PATH,
  RUNBOOK_PATH,
  recordingRuleNames,
} from './rules.js';

const groups = loadRuleGroups();
const rulesText = readFileSync(RULES_PATH, 'utf8');
const rules = allRules(groups);
const alerts = rules.filter((r) => r.alert !== undefined);
const recorded = recordingRuleNames(groups);
const testFiles = readdirSync(RULE_TESTS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => fileURLToPath(new URL(f, RULE_TESTS_DIR)));

const promtoolPresent = spawnSync('promtool', ['--version']).status === 0;

function promtool(...args: string[]) {
  expect(
    promtoolPresent,
    'promtool is needed: apt-get install prometheus (npm test does, as root)',
  ).toBe(true);
  const run = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string> }[];
}
interface PromtoolTest {
  input_series?: { series: string; values: string }[];
  alert_rule_test?: AlertCase[];
}
interface PromtoolTestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: PromtoolTest[];
}
const testDocs = testFiles.map((f) => parse(readFileSync(f, 'utf8')) as PromtoolTestFile);

/** Label values of a series literal like name{a="b",c="d"}. */
function seriesLabels(series: string): Record<string, string> {
  const [selector] = selectorsOf(series);
  const labels: Record<string, string> = {};
  for (const m of selector?.matchers ?? []) labels[m.label] = m.value;
  return labels;
}

/** GitHub's anchor of a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

describe('Prometheus rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', fileURLToPath(RULES_PATH));
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const { status, output } = promtool('test', 'rules', ...testFiles);
    expect(output).not.toMatch(/FAILED/);
    expect(status).toBe(0);
  }, 60_000);

  it('the unit tests load this rule file and evaluate recording rules before alerts', () => {
    for (const doc of testDocs) {
      expect(doc.rule_files).toEqual(['../rules/ecs-events-exporter.rules.yaml']);
      expect(doc.group_eval_order).toEqual(groups.map((g) => g.name));
    }
  });

  it('use only metrics of the catalogs, recording rules of the file and up', () => {
    const allowed = new Set([...recorded, 'up']);
    for (const rule of rules) {
      expect(selectorProblems(rule.expr, allowed), rule.alert ?? rule.record).toEqual([]);
      expect(selectorsOf(rule.expr).length, rule.alert ?? rule.record).toBeGreaterThan(0);
    }
  });

  it('match only label values the exporter produces', () => {
    for (const rule of rules) {
      for (const { matchers } of selectorsOf(rule.expr)) {
        for (const m of matchers) {
          if (m.op !== '=') continue;
          if (m.label === 'reason') expect(STOP_REASON_NAMES).toContain(m.value);
          if (m.label === 'result') expect(RECORD_RESULTS).toContain(m.value);
        }
      }
    }
  });

  it('name recording rules level:metric:operations', () => {
    expect(recorded.size).toBeGreaterThan(0);
    for (const name of recorded) expect(name).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('give every alert a severity, a summary, a templated description and a runbook section', () => {
    const runbook = readFileSync(RUNBOOK_PATH, 'utf8');
    const anchors = [...runbook.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1] as string));
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const alert of alerts) {
      const name = alert.alert as string;
      expect(['critical', 'warning', 'info'], name).toContain(alert.labels?.severity);
      const { summary, description, runbook_url } = alert.annotations ?? {};
      expect(summary, name).toMatch(/\S/);
      // absent() keeps no label and its value is always 1: nothing to template.
      if (!alert.expr.startsWith('absent(')) {
        expect(description, name).toMatch(/\{\{ \$(labels\.\w+|value)/);
      }
      expect(alert.annotations?.dashboard_url, name).toMatch(/^http.*\/d\/ecs-events-exporter-/);
      expect(runbook_url, name).toMatch(/^https:\/\/.+\/docs\/runbook\.md#[a-z0-9-]+$/);
      const anchor = (runbook_url as string).split('#')[1];
      expect(anchors, `${name}: docs/runbook.md has no section #${anchor}`).toContain(anchor);
      expect(anchor).toBe(slug(name));
    }
    // One section per alert, and none for an alert that no longer exists.
    expect(anchors.sort()).toEqual([...new Set(alerts.map((a) => slug(a.alert as string)))].sort());
  });

  it('are generated, as committed, from tools/rules with the default settings (npm run rules:generate)', () => {
    const generated = ruleGroups(DEFAULT_RULES_CONFIG);
    expect(rulesText).toBe(renderRuleFile(generated));
    const text = readFileSync(new URL('deploy/kubernetes/prometheusrule.yaml', REPO), 'utf8');
    expect(text).toBe(renderPrometheusRule(generated));
    const doc = parse(text) as { apiVersion: string; kind: string; spec: { groups: unknown } };
    expect(doc.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(doc.kind).toBe('PrometheusRule');
    expect(doc.spec.groups).toEqual(groups);
  });

  it('follow the settings they are generated with, mixin style, and still pass promtool', () => {
    const config = readRulesConfig({
      selector: 'job="ecs", namespace="monitoring"',
      keepLabels: ['job', 'cluster'],
      criticalClusters: 'prod-.*',
      deploymentStuckSeconds: 7200,
      runbookUrlPattern: 'https://wiki.example.com/ecs/runbook#%s',
      dashboardUrlPattern: 'https://grafana.example.com/d/%s',
    });
    const mine = ruleGroups(config);
    const mineAlerts = allRules(mine).filter((r) => r.alert !== undefined);
    for (const alert of mineAlerts) {
      const name = alert.alert as string;
      expect(alert.annotations?.runbook_url).toBe(
        `https://wiki.example.com/ecs/runbook#${name.toLowerCase()}`,
      );
      expect(alert.annotations?.dashboard_url).toMatch(/^https:\/\/grafana\.example\.com\/d\//);
    }
    // Every selector of a metric the exporter serves names the job; every ECS aggregation keeps the labels.
    for (const rule of allRules(mine)) {
      for (const { name, matchers } of selectorsOf(rule.expr)) {
        if (recorded.has(name)) continue;
        expect(matchers, `${rule.alert ?? rule.record}: ${name}`).toContainEqual({
          label: 'job',
          op: '=',
          value: 'ecs',
        });
      }
      for (const by of rule.expr.matchAll(/by \(([^)]*)\)/g)) {
        const labels = (by[1] as string).split(', ');
        if (labels.includes('aws_account_id'))
          expect(labels.slice(0, 2)).toEqual(['job', 'cluster']);
      }
    }
    const failing = mineAlerts.filter((a) => a.alert === 'EcsServiceTasksFailingToStart');
    expect(failing.map((a) => a.labels?.severity)).toEqual(['critical', 'warning']);
    for (const a of failing) expect(a.expr).toContain('ecs_service!="", ecs_cluster=~"prod-.*"');
    expect(mineAlerts.find((a) => a.alert === 'EcsServiceDeploymentStuck')?.expr).toMatch(
      /> 7200$/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, renderRuleFile(mine));
      const { status, output } = promtool('check', 'rules', file);
      expect(output).toMatch(/SUCCESS/);
      expect(status).toBe(0);
      // Failing to start pages for prod-eu only: warning in dev and for a standalone family.
      const series = (cluster: string, service: string) =>
        `ecs_task_stopped_total{job="ecs",namespace="monitoring",cluster="k1",instance="a:9847",aws_account_id="123456789012",aws_region="eu-west-1",ecs_cluster="${cluster}",ecs_service="${service}",family="f-${service}",launch_type="FARGATE",stop_code="TaskFailedToStart",reason="image_pull_failed"}`;
      const expected = (cluster: string, service: string, severity: string) => ({
        exp_labels: {
          severity,
          job: 'ecs',
          cluster: 'k1',
          aws_account_id: '123456789012',
          aws_region: 'eu-west-1',
          ecs_cluster: cluster,
          // A label with an empty value does not exist in Prometheus.
          ...(service === '' ? {} : { ecs_service: service }),
          family: `f-${service}`,
        },
        exp_annotations: {
          summary: `ECS tasks of ${cluster}/${service} are failing to start`,
          description: `100% of the tasks of service "${service}" (family f-${service}) in cluster ${cluster} that stopped in the last hour never started (stop code TaskFailedToStart), and at least 3 failed to start in the last 3 hours.`,
          runbook_url: 'https://wiki.example.com/ecs/runbook#ecsservicetasksfailingtostart',
          dashboard_url: `https://grafana.example.com/d/ecs-events-exporter-tasks?var-job=ecs&var-cluster=k1&var-aws_account_id=123456789012&var-aws_region=eu-west-1&var-ecs_cluster=${cluster}&var-ecs_service=${service}`,
        },
      });
      const testFile = join(dir, 'severity.test.yaml');
      writeFileSync(
        testFile,
        stringify({
          rule_files: ['rules.yaml'],
          evaluation_interval: '1m',
          group_eval_order: mine.map((g) => g.name),
          tests: [
            {
              interval: '1m',
              input_series: [
                ['prod-eu', 'web'],
                ['dev', 'web'],
                ['prod-eu', ''],
              ].map(([cluster, service]) => ({
                series: series(cluster as string, service as string),
                values: '0+1x60',
              })),
              alert_rule_test: [
                {
                  eval_time: '30m',
                  alertname: 'EcsServiceTasksFailingToStart',
                  exp_alerts: [
                    expected('prod-eu', 'web', 'critical'),
                    expected('dev', 'web', 'warning'),
                    expected('prod-eu', '', 'warning'),
                  ],
                },
              ],
            },
          ],
        }),
      );
      const run = promtool('test', 'rules', testFile);
      expect(run.output).not.toMatch(/FAILED/);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() =>
      readRulesConfig({ selector: 1, runbookUrlPattern: 'x', keepLabels: ['a b'], nope: 1 }),
    ).toThrow(
      /unknown setting nope; selector is not a string; runbookUrlPattern has no %s; keepLabels/,
    );
  });

  it('have a unit test that fires each alert and a series that must not', () => {
    const cases = testDocs.flatMap((doc) =>
      doc.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).map((c) => ({
          ...c,
          inputs: (t.input_series ?? []).map((s) => seriesLabels(s.series)),
        })),
      ),
    );
    for (const alert of alerts) {
      const name = alert.alert as string;
      const mine = cases.filter((c) => c.alertname === name);
      const firing = mine.filter((c) => (c.exp_alerts ?? []).length > 0);
      expect(firing.length, `${name} never fires in a test`).toBeGreaterThan(0);
      // Silent: a case expecting no alert over some input, or a firing case
      // with an input series that matches none of the alerts it expects.
      const silent = mine.some((c) => {
        const expected = (c.exp_alerts ?? []).map((a) => {
          const { severity: _, ...identity } = a.exp_labels ?? {};
          return identity;
        });
        if (expected.length === 0) return c.inputs.length > 0;
        return c.inputs.some((input) =>
          expected.every((e) => Object.entries(e).some(([k, v]) => input[k] !== v)),
        );
      });
      expect(silent, `${name} has no series that must leave it silent`).toBe(true);
    }
  });

  it('unit tests feed only series the exporter exposes', () => {
    for (const doc of testDocs) {
      for (const t of doc.tests) {
        for (const s of t.input_series ?? []) {
          expect(selectorProblems(s.series, new Set(['up'])), s.series).toEqual([]);
        }
      }
    }
  });
});

describe('selector check', () => {
  it('finds metric names and matchers, and skips functions, grouping labels and variables', () => {
    const expr =
      'histogram_quantile(0.9, sum by (le, ecs_service) (rate(foo_bucket{a="x",b=~"$b"}[$__rate_interval]))) / on (job) group_left bar_total > 2 and time() - baz offset 5m';
    expect(selectorsOf(expr)).toEqual([
      {
        name: 'foo_bucket',
        matchers: [
          { label: 'a', op: '=', value: 'x' },
          { label: 'b', op: '=~', value: '$b' },
        ],
      },
      { name: 'bar_total', matchers: [] },
      { name: 'baz', matchers: [] },
    ]);
  });

  it('reports a misspelled metric and a label the metric does not carry', () => {
    expect(
      selectorProblems(
        'rate(ecs_task_stoped_total[5m]) + on() ecs_task_stopped_total{stopcode="x"}',
        new Set(),
      ),
    ).toEqual([
      'unknown metric ecs_task_stoped_total',
      'ecs_task_stopped_total has no label stopcode',
    ]);
  });
});
