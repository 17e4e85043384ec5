/**
 * What a user sets when generating the rules, as the monitoring mixins do
 * (`_config` of the Kubernetes and node mixins): which scrape job is the
 * exporter, which labels every aggregation keeps, where failures page,
 * thresholds, and where the runbook and dashboards live. The committed
 * rule files are generated with DEFAULT_RULES_CONFIG; `npm run
 * rules:generate -- --config my.json` writes them with yours.
 */
export interface RulesConfig {
  /** Matchers of the exporter's targets, without braces. */
  readonly selector: string;
  /**
   * Labels kept in every aggregation of ECS series, before the ECS labels:
   * `job` by default, so two exporters on one stream (a migration, a second
   * Prometheus job) are never added together.
   */
  readonly keepLabels: readonly string[];
  /** Clusters (a regex on `ecs_cluster`) whose failures to start page: critical there, warning elsewhere. */
  readonly criticalClusters: string;
  /** A deployment in progress for longer than this pages (warning). */
  readonly deploymentStuckSeconds: number;
  /** Tasks in PROVISIONING, PENDING or ACTIVATING for longer than this page (warning). */
  readonly taskPendingSeconds: number;
  /** An account and region silent for this long, while others send, warns. */
  readonly accountSilentSeconds: number;
  /** `%s` is the lower-cased alert name (its section's anchor in docs/runbook.md). */
  readonly runbookUrlPattern: string;
  /** `%s` is a dashboard uid; the alert's labels are appended as its variables. */
  readonly dashboardUrlPattern: string;
}

export const DEFAULT_RUNBOOK_URL_PATTERN =
  'https://github.com/ecs-events-exporter/ecs-events-exporter/blob/main/docs/runbook.md#%s';

export const DEFAULT_RULES_CONFIG: RulesConfig = {
  selector: 'job="ecs-events-exporter"',
  keepLabels: ['job'],
  criticalClusters: '.*',
  deploymentStuckSeconds: 3600,
  taskPendingSeconds: 900,
  accountSilentSeconds: 3600,
  runbookUrlPattern: DEFAULT_RUNBOOK_URL_PATTERN,
  dashboardUrlPattern: 'http://localhost:3000/d/%s',
};

/** A config read from JSON over the defaults; every problem reported at once. */
export function readRulesConfig(data: unknown): RulesConfig {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error('the rules config is not a JSON object');
  }
  const merged = { ...DEFAULT_RULES_CONFIG, ...(data as Partial<RulesConfig>) };
  const problems: string[] = [];
  for (const key of Object.keys(data)) {
    if (!(key in DEFAULT_RULES_CONFIG)) problems.push(`unknown setting ${key}`);
  }
  for (const key of ['selector', 'criticalClusters'] as const) {
    if (typeof merged[key] !== 'string') problems.push(`${key} is not a string`);
  }
  for (const key of ['runbookUrlPattern', 'dashboardUrlPattern'] as const) {
    if (typeof merged[key] !== 'string' || !merged[key].includes('%s')) {
      problems.push(`${key} has no %s`);
    }
  }
  if (
    !Array.isArray(merged.keepLabels) ||
    !merged.keepLabels.every((l) => typeof l === 'string' && /^[a-zA-Z_]\w*$/.test(l))
  ) {
    problems.push('keepLabels is not a list of label names');
  }
  for (const key of [
    'deploymentStuckSeconds',
    'taskPendingSeconds',
    'accountSilentSeconds',
  ] as const) {
    if (!(Number.isInteger(merged[key]) && merged[key] > 0)) {
      problems.push(`${key} is not a positive whole number`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return merged;
}
