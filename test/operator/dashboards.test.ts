/**
 * The generated Grafana dashboards: committed as the generator writes them,
 * unique, through the datasource variable, every panel described with a unit,
 * querying only catalog metrics, recording rules and variables they define.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateDashboards, renderDashboards } from '../../tools/dashboards/dashboards.js';
import { DATASOURCE } from '../../tools/dashboards/panels.js';
import { catalogSeries, parseLabelValues, selectorProblems, selectorsOf } from './promql.js';
import { loadRuleGroups, REPO, recordingRuleNames } from './rules.js';

const DASHBOARDS_DIR = new URL('grafana/dashboards/', REPO);
const recorded = recordingRuleNames(loadRuleGroups());
const allowedExtra = new Set([...recorded, 'up']);

interface Target {
  expr: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  options?: { yAxis?: { unit?: string } };
  interval?: string;
}
interface Variable {
  type: string;
  name: string;
  query?: string | { query: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  datasource?: { type?: string; uid?: string };
}
interface DashboardJson {
  graphTooltip?: number;
  links?: unknown[];
  tags?: string[];
  annotations: { list?: { name: string; expr?: string; datasource?: unknown }[] };
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

/**
 * Units of Grafana's unit picker that the dashboards use (dashboard-linter's
 * panel-units-rule accepts only those): a custom `suffix:` unit is not one.
 */
const STANDARD_UNITS = ['bool', 'bytes', 'Bps', 'cps', 'ms', 'percentunit', 'reqps', 's', 'short'];

/** The dashboards of ECS series, filtered by account, region and cluster rather than by exporter. */
const ECS_DASHBOARDS = ['ecs-tasks.json', 'ecs-deployments-capacity.json'];

const committed = readdirSync(DASHBOARDS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = committed.map((file) => ({
  file,
  text: readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8'),
  json: JSON.parse(readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8')) as DashboardJson,
}));
const queryPanels = (d: DashboardJson) => d.panels.filter((p) => p.type !== 'row');
const allTargets = dashboards.flatMap((d) =>
  queryPanels(d.json).flatMap((p) => (p.targets ?? []).map((t) => ({ d, p, t }))),
);

/** Every object under `value` that has a `uid` next to a `type` of a data source. */
function datasourceRefs(value: unknown, out: { type?: string; uid?: string }[] = []) {
  if (Array.isArray(value)) for (const v of value) datasourceRefs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'datasource' && v !== null && typeof v === 'object') out.push(v);
      datasourceRefs(v, out);
    }
  }
  return out;
}

describe('generated dashboards', () => {
  it('are committed exactly as the generator writes them (run npm run dashboards)', () => {
    const rendered = renderDashboards();
    expect(committed).toEqual([...rendered.keys()].sort());
    for (const { file, text } of dashboards) expect(text, file).toBe(rendered.get(file));
  });

  it('have unique uids and titles, and nothing that needs an import step', () => {
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(dashboards.map((d) => d.json.title)).size).toBe(uids.length);
    for (const { file, text, json } of dashboards) {
      expect(json.uid, file).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(text, file).not.toContain('__inputs');
      expect(text, file).not.toContain('${DS_');
    }
  });

  it('read every query through the datasource variable, never a fixed uid', () => {
    for (const { file, json } of dashboards) {
      const ds = json.templating.list.find((v) => v.name === 'datasource');
      expect(ds, file).toMatchObject({ type: 'datasource', query: 'prometheus' });
      const refs = datasourceRefs(json);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref, file).toEqual(DATASOURCE);
    }
    for (const { d, p, t } of allTargets) {
      expect(t.datasource, `${d.file}: ${p.title}`).toEqual(DATASOURCE);
    }
  });

  it('give every panel a description, a unit, a query and its own place', () => {
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of queryPanels(json)) {
        const where = `${file}: ${p.title}`;
        expect(p.description, where).toMatch(/\S{3,}.*\S{3,}/);
        expect(p.fieldConfig?.defaults?.unit, where).toMatch(/\S/);
        if (p.type === 'heatmap') expect(p.options?.yAxis?.unit, where).toMatch(/\S/);
        expect(p.datasource, where).toEqual(DATASOURCE);
        expect((p.targets ?? []).length, where).toBeGreaterThan(0);
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, where).toBe(refIds.length);
      }
      // No two panels overlap on the grid.
      const boxes = json.panels.map((p) => p.gridPos);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i] as Panel['gridPos'];
          const b = boxes[j] as Panel['gridPos'];
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${file}: panels ${i} and ${j} overlap`).toBe(false);
        }
      }
    }
  });

  it("read rates over $__rate_interval, counts per bar over $__interval, and tables over the range or the alerts' hour (target-rate-interval-rule)", () => {
    for (const { d, p, t } of allTargets) {
      const where = `${d.file}: ${p.title}: ${t.expr}`;
      const calls = t.expr.match(/\b(rate|irate|increase)\(/g) ?? [];
      const ranges = t.expr.match(/\[[^\]]*\]/g) ?? [];
      expect(ranges.length, where).toBe(calls.length);
      if (p.type === 'table') {
        // An instant table: totals over the selected range, or over the hour the alerts read.
        for (const r of ranges) expect(['[$__range]', '[1h]'], where).toContain(r);
      } else if (calls.length > 0 && calls.every((c) => c === 'increase(')) {
        // Sparse events as counts per bar, never per second: over the bar's width, at least a minute.
        for (const r of ranges) expect(r, where).toBe('[$__interval]');
        expect(p.interval, where).toBe('1m');
        expect(p.fieldConfig?.defaults?.unit, where).toBe('short');
      } else {
        for (const r of ranges) expect(r, where).toBe('[$__rate_interval]');
      }
    }
    expect(allTargets.some(({ t }) => t.expr.includes('[$__rate_interval]'))).toBe(true);
    expect(allTargets.some(({ t }) => t.expr.includes('[$__interval]'))).toBe(true);
  });

  it('put the failing services first, read the failure ratio from its recording rule, and show the current state', () => {
    const tasks = dashboards.find((d) => d.file === 'ecs-tasks.json')?.json as DashboardJson;
    const [first, ...rest] = tasks.panels;
    expect(first).toMatchObject({ type: 'row', title: 'Failing now' });
    const top = rest.slice(
      0,
      rest.findIndex((p) => p.type === 'row'),
    );
    expect(top.map((p) => p.title)).toEqual([
      'Failing to start',
      'Crash looping',
      'OOM-killed in the last hour',
      'Rolled back or failed in the last hour',
      'Stuck deployments',
      'Stuck starting',
    ]);
    const exprs = (p: Panel | undefined) => (p?.targets ?? []).map((t) => t.expr).join('\n');
    const panel = (d: DashboardJson, title: string) => d.panels.find((p) => p.title === title);
    expect(exprs(top[0])).toContain('ecs_service:ecs_task_failed_to_start:ratio_rate1h{');
    expect(exprs(top[1])).toContain('ecs_service:ecs_task_crashed_at_start:ratio_rate1h{');
    expect(exprs(top[4])).toContain('ecs_service_deployment_in_progress_since_timestamp_seconds{');
    expect(exprs(top[5])).toContain('ecs_task_pending_since_timestamp_seconds{');
    expect(exprs(panel(tasks, 'Failure-to-start ratio'))).toMatch(
      /^ecs_service:ecs_task_failed_to_start:ratio_rate1h\{/,
    );
    expect(exprs(panel(tasks, 'Tasks by status'))).toContain('sum by (last_status) (ecs_tasks{');
    expect(exprs(panel(tasks, 'Top failing services'))).toContain('le="300"');
    expect(exprs(panel(tasks, 'Top failing services'))).toContain('stop_code="TaskFailedToStart"');
    const deployments = dashboards.find((d) => d.file === 'ecs-deployments-capacity.json')
      ?.json as DashboardJson;
    expect(exprs(panel(deployments, 'Deployments in progress for'))).toContain(
      'ecs_service_deployment_in_progress_since_timestamp_seconds{',
    );
    const health = dashboards.find((d) => d.file === 'ecs-events-exporter-health.json')
      ?.json as DashboardJson;
    expect(exprs(panel(health, 'Leader'))).toMatch(/^ecs_events_exporter_leader\{/);
    expect(exprs(panel(health, 'Folded series'))).toContain(
      'increase(ecs_events_exporter_series_folded_total{',
    );
    expect(exprs(panel(health, 'Age of the newest event, by account and region'))).toContain(
      'ecs_events_last_event_timestamp_seconds{',
    );
  });

  it('query only metrics of the catalogs, recording rules and up', () => {
    for (const { d, p, t } of allTargets) {
      expect(selectorProblems(t.expr, allowedExtra), `${d.file}: ${p.title}`).toEqual([]);
    }
  });

  it('use only variables they define', () => {
    for (const { file, json } of dashboards) {
      const names = new Set(json.templating.list.map((v) => v.name));
      const texts = [
        ...queryPanels(json).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
        ...json.templating.list.map((v) => (typeof v.query === 'object' ? v.query.query : '')),
      ];
      for (const text of texts) {
        for (const m of text.matchAll(/\$\{?(\w+)/g)) {
          if (m[1] === '__rate_interval' || m[1] === '__range' || m[1] === '__interval') continue;
          expect(names, `${file}: $${m[1]} in ${text}`).toContain(m[1]);
        }
      }
    }
  });

  it('filter the task dashboard by account, region, cluster, service and family, each multi-value with All', () => {
    const tasks = generateDashboards().find((d) => d.file === 'ecs-tasks.json');
    const list = (tasks?.dashboard.templating?.list ?? []) as Variable[];
    for (const name of ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service', 'family']) {
      const v = list.find((x) => x.name === name);
      expect(v, name).toMatchObject({
        type: 'query',
        multi: true,
        includeAll: true,
        allValue: '.*',
        datasource: DATASOURCE,
      });
      const query = (v?.query as { query: string } | undefined)?.query ?? '';
      const parsed = parseLabelValues(query);
      expect(parsed?.label, query).toBe(name);
      expect(selectorProblems(parsed?.series ?? '', new Set()), query).toEqual([]);
    }
    const taskTargets = allTargets.filter(
      ({ d, t }) => d.file === 'ecs-tasks.json' && t.expr.includes('ecs_task_'),
    );
    for (const { p, t } of taskTargets) {
      for (const label of [
        'aws_account_id',
        'aws_region',
        'ecs_cluster',
        'ecs_service',
        'family',
      ]) {
        expect(t.expr, p.title).toContain(`${label}=~"$${label}"`);
      }
    }
  });

  it('filter the deployments and capacity dashboard by account, region, cluster and service', () => {
    const file = 'ecs-deployments-capacity.json';
    const found = generateDashboards().find((d) => d.file === file);
    const list = (found?.dashboard.templating?.list ?? []) as Variable[];
    for (const name of ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service']) {
      expect(
        list.find((x) => x.name === name),
        name,
      ).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*' });
    }
    const targets = allTargets.filter(({ d }) => d.file === file);
    expect(targets.length).toBeGreaterThan(10);
    for (const { p, t } of targets) {
      for (const { name, matchers } of selectorsOf(t.expr)) {
        // Container instances and daemons belong to a cluster, not to a service.
        const labels = /^ecs_(container_instance|daemon)/.test(name)
          ? ['aws_account_id', 'aws_region', 'ecs_cluster']
          : ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service'];
        for (const label of labels) {
          expect(matchers, `${p.title}: ${name}`).toContainEqual({
            label,
            op: '=~',
            value: `$${label}`,
          });
        }
      }
    }
  });

  it('annotate the firing alerts of this project, each dashboard some of them', () => {
    const alertNames = loadRuleGroups()
      .flatMap((g) => g.rules)
      .flatMap((r) => (r.alert === undefined ? [] : [r.alert]));
    const shown = new Set<string>();
    for (const { file, json } of dashboards) {
      const list = json.annotations.list ?? [];
      expect(list.length, file).toBeGreaterThan(0);
      for (const a of list) {
        const m = /^ALERTS\{alertstate="firing", alertname=~"([^"]+)", (.+)\}$/.exec(a.expr ?? '');
        expect(m, `${file}: ${a.expr}`).not.toBeNull();
        const re = new RegExp(`^(?:${m?.[1]})$`);
        const matched = alertNames.filter((n) => re.test(n));
        expect(matched.length, `${file}: ${a.expr}`).toBeGreaterThan(0);
        for (const n of matched) shown.add(n);
        // Filtered by the dashboard's own selection.
        const filters = ECS_DASHBOARDS.includes(file)
          ? ['aws_account_id', 'aws_region', 'ecs_cluster']
          : ['job', 'instance'];
        for (const label of filters) expect(m?.[2], file).toContain(`${label}=~"$${label}"`);
      }
    }
    // Together the dashboards show every alert.
    expect([...shown].sort()).toEqual([...new Set(alertNames)].sort());
  });

  // The rules of Grafana's dashboard-linter (github.com/grafana/dashboard-linter),
  // checked here: it is a Go tool, and Go cannot be installed where the tests run.
  describe('dashboard-linter rules', () => {
    it('template-job-rule and template-instance-rule: a job and an instance variable, from the datasource', () => {
      for (const { file, json } of dashboards) {
        const job = json.templating.list.find((v) => v.name === 'job');
        expect(job, file).toMatchObject({ type: 'query', datasource: DATASOURCE });
        const jobQuery = parseLabelValues(
          (job?.query as { query: string } | undefined)?.query ?? '',
        );
        expect(jobQuery?.label, file).toBe('job');
        const instance = json.templating.list.find((v) => v.name === 'instance');
        expect(instance, file).toMatchObject({
          type: 'query',
          multi: true,
          includeAll: true,
          datasource: DATASOURCE,
        });
        const instanceQuery = parseLabelValues(
          (instance?.query as { query: string } | undefined)?.query ?? '',
        );
        expect(instanceQuery?.label, file).toBe('instance');
        expect(instanceQuery?.series, file).toContain('job=~"$job"');
      }
    });

    it('template-label-promql-rule: every label variable queries a catalog series that has the label', () => {
      for (const { file, json } of dashboards) {
        for (const v of json.templating.list.filter((x) => x.type === 'query')) {
          const parsed = parseLabelValues((v.query as { query: string }).query);
          expect(parsed, `${file}: $${v.name}`).toBeDefined();
          const { series, label } = parsed as { series: string; label: string };
          expect(selectorProblems(series, new Set()), `${file}: $${v.name}`).toEqual([]);
          const name = series.replace(/\{.*$/, '');
          const labels = catalogSeries().get(name);
          expect(labels?.has(label), `${file}: $${v.name}`).toBe(true);
        }
      }
    });

    it('target-job-rule and target-instance-rule: every query matches the job and instance variables', () => {
      for (const { d, p, t } of allTargets) {
        for (const { name, matchers } of selectorsOf(t.expr)) {
          const where = `${d.file}: ${p.title}: ${name}`;
          expect(matchers, where).toContainEqual({ label: 'job', op: '=~', value: '$job' });
          expect(matchers, where).toContainEqual({
            label: 'instance',
            op: '=~',
            value: '$instance',
          });
        }
      }
    });

    it('panel-units-rule: every panel has a standard Grafana unit, never a custom one', () => {
      for (const { file, json } of dashboards) {
        for (const p of queryPanels(json)) {
          const units = [p.fieldConfig?.defaults?.unit, p.options?.yAxis?.unit].filter(
            (u) => u !== undefined,
          );
          for (const unit of units) expect(STANDARD_UNITS, `${file}: ${p.title}`).toContain(unit);
        }
      }
    });

    it('share a crosshair and link to each other, keeping the time range and variables', () => {
      for (const { file, json } of dashboards) {
        expect(json.graphTooltip, file).toBe(1);
        expect(json.links, file).toContainEqual(
          expect.objectContaining({
            type: 'dashboards',
            tags: ['ecs-events-exporter'],
            keepTime: true,
            includeVars: true,
          }),
        );
        expect(json.tags, file).toContain('ecs-events-exporter');
      }
    });
  });

  it('are provisioned with a Prometheus data source and a file provider', () => {
    const ds = parse(
      readFileSync(new URL('grafana/provisioning/datasources/prometheus.yaml', REPO), 'utf8'),
    ) as { apiVersion: number; datasources: { type: string; url: string; isDefault: boolean }[] };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', isDefault: true }),
    ]);
    const providers = parse(
      readFileSync(
        new URL('grafana/provisioning/dashboards/ecs-events-exporter.yaml', REPO),
        'utf8',
      ),
    ) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers[0]?.type).toBe('file');
    expect(providers.providers[0]?.options.path).toMatch(/^\/var\/lib\/grafana\/dashboards\//);
  });
});
