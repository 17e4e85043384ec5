/** The Prometheus rule file and its promtool tests, as the operator tests read them. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const REPO = new URL('../../', import.meta.url);
export const RULES_PATH = new URL('deploy/prometheus/rules/ecs-events-exporter.rules.yaml', REPO);
export const RULE_TESTS_DIR = new URL('deploy/prometheus/tests/', REPO);
export const RUNBOOK_PATH = new URL('docs/runbook.md', REPO);

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export function loadRuleGroups(path: URL = RULES_PATH): RuleGroup[] {
  return (parse(readFileSync(path, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export const allRules = (groups: readonly RuleGroup[]): Rule[] => groups.flatMap((g) => g.rules);

export function recordingRuleNames(groups: readonly RuleGroup[]): Set<string> {
  return new Set(allRules(groups).flatMap((r) => (r.record === undefined ? [] : [r.record])));
}
