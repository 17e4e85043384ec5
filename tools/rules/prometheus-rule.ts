/**
 * The Prometheus rule file is the source: written and commented by hand,
 * tested with promtool. From it come the Kubernetes PrometheusRule (the
 * same groups, generated, never edited) and, on request, both with another
 * base for the alerts' runbook links: the monitoring mixins'
 * `runbookURLPattern`, where `%s` is the lower-cased alert name (the anchor
 * of its section in docs/runbook.md).
 */
import { isMap, isScalar, isSeq, parse, parseDocument, stringify } from 'yaml';

export const DEFAULT_RUNBOOK_URL_PATTERN =
  'https://github.com/ecs-events-exporter/ecs-events-exporter/blob/main/docs/runbook.md#%s';

export function runbookUrl(pattern: string, alert: string): string {
  if (!pattern.includes('%s')) throw new Error(`runbook URL pattern ${pattern} has no %s`);
  return pattern.replace('%s', alert.toLowerCase());
}

/** The rule file with every alert's runbook_url built from `pattern`; comments and layout kept. */
export function withRunbookPattern(rulesText: string, pattern: string): string {
  const doc = parseDocument(rulesText);
  const groups = doc.get('groups');
  if (!isSeq(groups)) throw new Error('the rule file has no groups');
  for (const group of groups.items) {
    const rules = isMap(group) ? group.get('rules') : undefined;
    if (!isSeq(rules)) continue;
    for (const rule of rules.items) {
      if (!isMap(rule) || !rule.has('alert')) continue;
      const annotations = rule.get('annotations');
      const name = rule.get('alert');
      if (!isMap(annotations) || typeof name !== 'string') continue;
      const node = annotations.get('runbook_url', true);
      const url = runbookUrl(pattern, name);
      if (isScalar(node)) node.value = url;
      else annotations.set('runbook_url', url);
    }
  }
  return doc.toString({ lineWidth: 0 });
}

const HEADER = `# GENERATED from deploy/prometheus/rules/ecs-events-exporter.rules.yaml by
# \`npm run rules:generate\` (a test fails when it is stale): edit that file, and
# see it for what each rule does; docs/runbook.md explains each alert.
`;

/** The PrometheusRule that prometheus-operator loads: the rule file's groups, as they are. */
export function renderPrometheusRule(rulesText: string): string {
  const { groups } = parse(rulesText) as { groups: unknown };
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'ecs-events-exporter',
      namespace: 'ecs-events-exporter',
      labels: {
        'app.kubernetes.io/name': 'ecs-events-exporter',
        'app.kubernetes.io/part-of': 'ecs-events-exporter',
        release: 'prometheus',
      },
    },
    spec: { groups },
  };
  return HEADER + stringify(resource, { lineWidth: 0 });
}
