/**
 * Every generated dashboard and the file it is committed as under
 * grafana/dashboards/ (a test fails when a committed file is stale).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { ecsDeploymentsCapacityDashboard } from './ecs-deployments-capacity.js';
import { ecsTasksDashboard } from './ecs-tasks.js';
import { exporterHealthDashboard } from './exporter-health.js';
import { dashboardJson } from './panels.js';

export interface GeneratedDashboard {
  readonly file: string;
  readonly dashboard: Dashboard;
}

export function generateDashboards(): GeneratedDashboard[] {
  return [
    { file: 'ecs-tasks.json', dashboard: ecsTasksDashboard() },
    { file: 'ecs-deployments-capacity.json', dashboard: ecsDeploymentsCapacityDashboard() },
    { file: 'ecs-events-exporter-health.json', dashboard: exporterHealthDashboard() },
  ];
}

/** File name → the exact text to commit. */
export function renderDashboards(): Map<string, string> {
  return new Map(generateDashboards().map((d) => [d.file, dashboardJson(d.dashboard)]));
}
