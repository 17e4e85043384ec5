/**
 * `npm run rules:generate [-- --runbook-url-pattern 'https://wiki.example.com/runbook#%s']`:
 * sets the runbook base of the rule file (when given) and writes the
 * Kubernetes PrometheusRule from it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../repo-root.js';
import { renderPrometheusRule, withRunbookPattern } from './prometheus-rule.js';

const RULES = join(REPO_ROOT, 'deploy/prometheus/rules/ecs-events-exporter.rules.yaml');
const PROMETHEUS_RULE = join(REPO_ROOT, 'deploy/kubernetes/prometheusrule.yaml');

const { values } = parseArgs({ options: { 'runbook-url-pattern': { type: 'string' } } });
let rules = readFileSync(RULES, 'utf8');
const pattern = values['runbook-url-pattern'];
if (pattern !== undefined) {
  rules = withRunbookPattern(rules, pattern);
  writeFileSync(RULES, rules);
  process.stdout.write(`wrote ${RULES}\n`);
}
writeFileSync(PROMETHEUS_RULE, renderPrometheusRule(rules));
process.stdout.write(`wrote ${PROMETHEUS_RULE}\n`);
