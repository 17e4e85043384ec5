/**
 * `npm run rules:generate [-- --config my-rules.json]`: writes the
 * Prometheus rule file and the Kubernetes PrometheusRule from
 * tools/rules/rules.ts, with the defaults of tools/rules/config.ts or the
 * settings given (a JSON object of RulesConfig fields, over the defaults).
 * `--out-dir DIR` writes both there instead of into the repository.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../repo-root.js';
import { DEFAULT_RULES_CONFIG, readRulesConfig } from './config.js';
import { renderPrometheusRule, renderRuleFile } from './prometheus-rule.js';
import { ruleGroups } from './rules.js';

export const RULE_FILE = 'deploy/prometheus/rules/ecs-events-exporter.rules.yaml';
export const PROMETHEUS_RULE_FILE = 'deploy/kubernetes/prometheusrule.yaml';

const { values } = parseArgs({
  options: { config: { type: 'string' }, 'out-dir': { type: 'string' } },
});
const config =
  values.config === undefined
    ? DEFAULT_RULES_CONFIG
    : readRulesConfig(JSON.parse(readFileSync(values.config, 'utf8')));
const groups = ruleGroups(config);
const outDir = values['out-dir'];
const target = (file: string) => {
  if (outDir === undefined) return join(REPO_ROOT, file);
  mkdirSync(outDir, { recursive: true });
  return join(outDir, file.slice(file.lastIndexOf('/') + 1));
};
for (const [file, text] of [
  [RULE_FILE, renderRuleFile(groups)],
  [PROMETHEUS_RULE_FILE, renderPrometheusRule(groups)],
] as const) {
  writeFileSync(target(file), text);
  process.stdout.write(`wrote ${target(file)}\n`);
}
