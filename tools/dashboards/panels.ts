/**
 * Building blocks of the generated dashboards: the datasource variable every
 * panel and query goes through (never a fixed uid, so a dashboard works on
 * first import and with provisioning), label variables, and panel builders
 * that always set a description, a unit, ids and a grid position.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  PanelBuilder as HeatmapPanelBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** A shared crosshair: the time under the mouse is marked on every panel. */
export const DASHBOARD_TOOLTIP = DashboardCursorSync.Crosshair;

/** The one datasource reference of every panel and query. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export function datasourceVariable() {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/** A multi-value label variable with All (`.*`, which also matches an empty value). */
export function labelVariable(name: string, label: string, metric: string, selector: string) {
  const series = selector === '' ? metric : `${metric}{${selector}}`;
  const definition = `label_values(${series}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(definition)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** The series every exporter exposes while it runs: where the job and instance variables look. */
const EXPORTER_SERIES = 'ecs_events_exporter_build_info';

/** The scrape job of the exporter: one at a time, so `up` and ALERTS stay to this exporter. */
export function jobVariable() {
  const definition = `label_values(${EXPORTER_SERIES}, job)`;
  return new QueryVariableBuilder('job')
    .label('Job')
    .datasource(DATASOURCE)
    .query({ qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(definition)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** The exporter instances of the selected job, multi-value with All. */
export const instanceVariable = () =>
  labelVariable('instance', 'Instance', EXPORTER_SERIES, 'job=~"$job"');

/** The matchers of the job and instance variables, in every query. */
export const TARGET_SEL = 'job=~"$job", instance=~"$instance"';

/** The matchers of the account and region variables. */
export const ACCOUNT_SEL = 'aws_account_id=~"$aws_account_id", aws_region=~"$aws_region"';

/**
 * The account, region, cluster and service variables of the ECS dashboards,
 * from `metric`: one stream often carries many accounts and regions, and two
 * accounts' clusters of the same name are told apart only by these. The same
 * on every ECS dashboard, so that the links carry them across.
 */
export function ecsScopeVariables(metric: string) {
  return [
    labelVariable('aws_account_id', 'Account', metric, TARGET_SEL),
    labelVariable(
      'aws_region',
      'Region',
      metric,
      `${TARGET_SEL}, aws_account_id=~"$aws_account_id"`,
    ),
    labelVariable('ecs_cluster', 'Cluster', metric, `${TARGET_SEL}, ${ACCOUNT_SEL}`),
    labelVariable(
      'ecs_service',
      'Service',
      metric,
      `${TARGET_SEL}, ${ACCOUNT_SEL}, ecs_cluster=~"$ecs_cluster"`,
    ),
  ];
}

export interface DashboardHeader {
  readonly title: string;
  readonly uid: string;
  readonly description: string;
  readonly refresh: string;
  /** The default time range, back from now ("now-6h"). */
  readonly from: string;
}

/**
 * A dashboard of this project: its tags, a shared crosshair, links to the
 * others, and the datasource, job and instance variables every query uses.
 */
export function projectDashboard(header: DashboardHeader): DashboardBuilder {
  return new DashboardBuilder(header.title)
    .uid(header.uid)
    .description(header.description)
    .tags(['ecs', 'ecs-events-exporter'])
    .editable()
    .refresh(header.refresh)
    .time({ from: header.from, to: 'now' })
    .tooltip(DASHBOARD_TOOLTIP)
    .link(dashboardLinks())
    .withVariable(datasourceVariable())
    .withVariable(jobVariable())
    .withVariable(instanceVariable());
}

/** Links to every dashboard of the project, keeping the time range and the variables. */
export function dashboardLinks() {
  return new DashboardLinkBuilder('ecs-events-exporter')
    .type(DashboardLinkType.Dashboards)
    .tags(['ecs-events-exporter'])
    .asDropdown(false)
    .includeVars(true)
    .keepTime(true);
}

/**
 * Firing alerts whose name matches `alertnames` (a regex) and whose labels
 * match the dashboard's variables (`filters`), as annotations on every panel.
 */
export function alertsAnnotation(alertnames: string, filters: string) {
  return new AnnotationQueryBuilder()
    .name('Firing alerts')
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor('red')
    .expr(`ALERTS{alertstate="firing", alertname=~"${alertnames}", ${filters}}`)
    .step('1m')
    .titleFormat('{{alertname}}')
    .textFormat(
      '{{severity}} {{aws_account_id}} {{aws_region}} {{ecs_cluster}} {{ecs_service}} {{family}} {{container_name}} {{reason}} {{instance}} {{shard_id}}',
    );
}

export interface Query {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and when to worry. */
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid width out of 24. */
  readonly width?: number;
  readonly stacked?: boolean;
  readonly bars?: boolean;
  /** Grid height; 8 unless given. */
  readonly height?: number;
  /**
   * Smallest step of the panel's queries: for counts per bar
   * (`increase(…[$__interval])`), at least two scrapes wide.
   */
  readonly minInterval?: string;
}

const REF_IDS = 'ABCDEFGHIJ';

function targets(queries: readonly Query[], format?: PromQueryFormat) {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(q.expr)
      .legendFormat(q.legend)
      .range()
      .refId(REF_IDS[i] as string);
    return format === undefined ? target : target.format(format);
  });
}

const legend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .calcs(['mean', 'max', 'lastNotNull']);

const tooltip = () =>
  new common.VizTooltipOptionsBuilder()
    .mode(common.TooltipDisplayMode.Multi)
    .sort(common.SortOrder.Descending);

/**
 * Lays panels out left to right in rows of 24 columns, numbering them, so the
 * JSON is the same on every run.
 */
export class Layout {
  #id = 0;
  #x = 0;
  #y = 0;
  #rowHeight = 0;
  constructor(private readonly dashboard: DashboardBuilder) {}

  #newLine() {
    this.#x = 0;
    this.#y += this.#rowHeight;
    this.#rowHeight = 0;
  }

  #place(width: number, height: number) {
    if (this.#x + width > 24) this.#newLine();
    const gridPos = { x: this.#x, y: this.#y, w: width, h: height };
    this.#x += width;
    this.#rowHeight = Math.max(this.#rowHeight, height);
    this.#id += 1;
    return { gridPos, id: this.#id };
  }

  row(title: string): this {
    if (this.#x > 0) this.#newLine();
    const { gridPos, id } = this.#place(24, 1);
    this.dashboard.withRow(new RowBuilder(title).id(id).gridPos(gridPos));
    return this;
  }

  timeseries(spec: PanelSpec): this {
    const { gridPos, id } = this.#place(spec.width ?? 12, spec.height ?? 8);
    const panel = new TimeseriesPanelBuilder()
      .id(id)
      .gridPos(gridPos)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .targets(targets(spec.queries))
      .legend(legend())
      .tooltip(tooltip())
      .fillOpacity(spec.stacked ? 30 : 10)
      .drawStyle(spec.bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
      .stacking(
        new common.StackingConfigBuilder().mode(
          spec.stacked ? common.StackingMode.Normal : common.StackingMode.None,
        ),
      );
    if (spec.minInterval !== undefined) panel.interval(spec.minInterval);
    this.dashboard.withPanel(panel);
    return this;
  }

  /** A table of the latest value of each series of one instant query, largest first. */
  table(spec: PanelSpec): this {
    const { gridPos, id } = this.#place(spec.width ?? 12, spec.height ?? 8);
    const panel = new TablePanelBuilder()
      .id(id)
      .gridPos(gridPos)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .targets(
        spec.queries.map((q, i) =>
          new DataqueryBuilder()
            .datasource(DATASOURCE)
            .expr(q.expr)
            .legendFormat(q.legend)
            .instant()
            .format(PromQueryFormat.Table)
            .refId(REF_IDS[i] as string),
        ),
      )
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Value').desc(true)]);
    this.dashboard.withPanel(panel);
    return this;
  }

  /** A heatmap of a histogram's buckets; `unit` is that of the bucket bounds. */
  heatmap(spec: PanelSpec): this {
    const { gridPos, id } = this.#place(spec.width ?? 12, 8);
    const panel = new HeatmapPanelBuilder()
      .id(id)
      .gridPos(gridPos)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .targets(targets(spec.queries, PromQueryFormat.Heatmap))
      .calculate(false)
      .yAxis(new YAxisConfigBuilder().unit(spec.unit))
      .showLegend();
    this.dashboard.withPanel(panel);
    return this;
  }
}

/** The dashboard as it is written to grafana/dashboards: stable JSON with a final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
