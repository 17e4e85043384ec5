/** check-pattern's report as text: each pattern's scope, statuses and detail-types, then the verdict. */

import type { PatternReport } from './check-pattern.js';
import type { PatternResult } from './judge-pattern.js';
import { TASK_DETAIL_TYPE } from './reference-events.js';

const pad = (text: string, width: number) => text.padEnd(width);

function passMark(passed: number, events: number): string {
  if (passed === events) return `passes (${events} of ${events} events)`;
  if (passed === 0) return `DROPPED (0 of ${events} events pass)`;
  return `PARTLY DROPPED (${passed} of ${events} events pass)`;
}

function formatResult(p: PatternResult, out: string[], partOfMany = false) {
  out.push(`  ${p.name}: ${p.errors.length === 0 ? 'valid' : 'INVALID'}`);
  for (const e of p.errors) out.push(`    error: ${e}`);
  for (const w of p.warnings) out.push(`    note: ${w}`);
  if (p.errors.length > 0) return;
  if (p.scope.length === 0) {
    out.push('    scope: everything (no condition on cluster, service group, account, region…)');
  } else {
    out.push('    scope (a legitimate narrowing; judged as if every event were inside it):');
    for (const s of p.scope) out.push(`      ${s.path} ${JSON.stringify(s.matchers)}`);
  }
  out.push(`    task statuses ("${TASK_DETAIL_TYPE}"):`);
  for (const s of p.statuses) out.push(`      ${pad(s.status, 16)}${passMark(s.passed, s.events)}`);
  out.push('    ECS detail-types:');
  for (const d of p.detailTypes) {
    const mark =
      d.passed === d.events
        ? 'passes'
        : d.passed === 0
          ? d.counted && d.detailType !== TASK_DETAIL_TYPE
            ? 'not sent'
            : 'dropped'
          : 'PARTLY DROPPED';
    const counted = d.counted ? 'counted by the exporter' : 'not counted';
    out.push(`      ${pad(d.detailType, 38)}${pad(mark, 16)}${counted}`);
  }
  if (partOfMany) {
    if (p.broken.length > 0) out.push('    what it drops is judged with the other rules, below');
  } else if (p.broken.length > 0) {
    out.push('    drops what the metrics need:');
    for (const b of p.broken) out.push(`      ${b.metric}: ${b.because}`);
  }
}

const scopeWords = (p: PatternResult) =>
  p.scope.length === 0
    ? ''
    : ` within its scope (${[...new Set(p.scope.map((s) => s.path))].join(', ')})`;

function verdict(r: PatternReport): string {
  if (!r.valid)
    return 'INVALID: EventBridge would reject this pattern, or the file cannot be read.';
  const judged = r.together === undefined ? r.patterns : [r.together];
  const lines = judged.map((p) => {
    const prefix = judged.length > 1 || r.together !== undefined ? `${p.name}: ` : '';
    if (p.broken.length === 0) {
      if (p.notSent.length > 0) {
        return `${prefix}OK: valid;${scopeWords(p)} every task status passes.\n${prefix}note: not sent by this pattern: ${p.notSent.join(', ')}. Their metrics stay empty unless a second rule sends them to the stream; its Kinesis target is keyed by the event id (these events have no detail.taskArn, and some no resources). Check a template with both rules to judge them together.`;
      }
      return `${prefix}OK: valid;${scopeWords(p)} every task status and every ECS detail-type the exporter counts passes.`;
    }
    const statuses = p.statuses.filter((s) => s.passed < s.events).map((s) => s.status);
    const metrics = [...new Set(p.broken.map((b) => b.metric.replace(/\{.*$/, '')))];
    const what = statuses.length > 0 ? `task statuses ${statuses.join(', ')}` : 'events';
    const noTasks = p.statuses.every((s) => s.passed === 0)
      ? ' Task events are what the exporter is for: a rule for the other kinds only is checked with the task rule, in a template that has both.'
      : '';
    return `${prefix}DROPS: valid, but${scopeWords(p)} it drops ${what} that the metrics need (${metrics.join(', ')}); counts from what passes are wrong, not just incomplete.${noTasks}`;
  });
  return lines.join('\n');
}

export function formatPatternReport(r: PatternReport): string {
  const out: string[] = [];
  const what =
    r.kind === 'cloudformation'
      ? `CloudFormation template, ${r.patterns.length} event pattern(s)`
      : r.kind === 'pattern'
        ? 'event pattern'
        : 'not read';
  out.push(`${r.path}: ${what}`);
  for (const e of r.errors) out.push(`  error: ${e}`);
  for (const p of r.patterns) formatResult(p, out, r.together !== undefined);
  if (r.together !== undefined) formatResult(r.together, out);
  out.push(verdict(r));
  return `${out.join('\n')}\n`;
}
