/**
 * `ecs-events-exporter check-pattern FILE`: reads an EventBridge event pattern
 * (JSON), or the event patterns of the AWS::Events::Rule resources of a
 * CloudFormation template (YAML with !Ref/!GetAtt/!Sub… tags, or JSON),
 * reports what EventBridge would reject, and whether each pattern matches the
 * reference task state change events. Exit status: 0 valid and matching,
 * 1 valid but not matching them all, 2 on errors.
 */
import { readFile } from 'node:fs/promises';
import { parse, type Tags } from 'yaml';
import { checkEventPattern, isObject, matchesEventPattern } from './event-pattern.js';
import { REFERENCE_EVENTS, type ReferenceEvent } from './reference-events.js';

export interface PatternResult {
  /** "event pattern" for a pattern file; the rule's logical id in a template. */
  readonly name: string;
  readonly pattern: unknown;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Per reference event; empty when the pattern has errors. */
  readonly matches: readonly { readonly event: string; readonly matched: boolean }[];
}

export interface PatternReport {
  readonly path: string;
  readonly kind: 'pattern' | 'cloudformation' | 'unreadable';
  /** Problems with the file itself: unreadable, not JSON/YAML, no rule with a pattern. */
  readonly errors: readonly string[];
  readonly patterns: readonly PatternResult[];
  /** Every pattern valid and matching every reference event. */
  readonly valid: boolean;
  readonly matching: boolean;
}

const INTRINSICS = [
  'Ref',
  'Condition',
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

/** CloudFormation's short-form intrinsic tags, read as their long form ({"Fn::Sub": …}). */
export const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }),
    },
  ];
});

/** A CloudFormation template (YAML or JSON) as plain data, intrinsics in long form. */
export function parseTemplate(text: string): unknown {
  return parse(text, { customTags: CLOUDFORMATION_TAGS });
}

function checkOne(
  name: string,
  pattern: unknown,
  events: readonly ReferenceEvent[],
): PatternResult {
  const { errors, warnings } = checkEventPattern(pattern);
  const matches =
    errors.length > 0
      ? []
      : events.map((e) => ({ event: e.name, matched: matchesEventPattern(pattern, e.event) }));
  return { name, pattern, errors, warnings, matches };
}

function rulesOf(template: Record<string, unknown>, events: readonly ReferenceEvent[]) {
  const results: PatternResult[] = [];
  const resources = isObject(template.Resources) ? template.Resources : {};
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::Events::Rule') continue;
    const properties = isObject(resource.Properties) ? resource.Properties : {};
    let pattern = properties.EventPattern;
    if (pattern === undefined) continue; // a scheduled rule
    if (typeof pattern === 'string') {
      // EventPattern may also be given as a JSON string.
      try {
        pattern = JSON.parse(pattern);
      } catch (err) {
        results.push({
          name: id,
          pattern,
          errors: [`EventPattern is a string that is not JSON: ${(err as Error).message}`],
          warnings: [],
          matches: [],
        });
        continue;
      }
    }
    results.push(checkOne(id, pattern, events));
  }
  return results;
}

function report(
  path: string,
  kind: PatternReport['kind'],
  errors: string[],
  patterns: PatternResult[],
): PatternReport {
  const valid = errors.length === 0 && patterns.every((p) => p.errors.length === 0);
  const matching = valid && patterns.every((p) => p.matches.every((m) => m.matched));
  return { path, kind, errors, patterns, valid, matching };
}

/** Checks a pattern file or a CloudFormation template against `events` (the seed events by default). */
export async function checkPatternFile(
  path: string,
  events: readonly ReferenceEvent[] = REFERENCE_EVENTS,
): Promise<PatternReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return report(path, 'unreadable', [`cannot read ${path}: ${(err as Error).message}`], []);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = parseTemplate(text);
    } catch (err) {
      return report(
        path,
        'unreadable',
        [`${path} is neither JSON nor YAML: ${(err as Error).message}`],
        [],
      );
    }
  }
  if (isObject(data) && (isObject(data.Resources) || 'AWSTemplateFormatVersion' in data)) {
    const patterns = rulesOf(data, events);
    const errors =
      patterns.length === 0 ? ['the template has no AWS::Events::Rule with an EventPattern'] : [];
    return report(path, 'cloudformation', errors, patterns);
  }
  return report(path, 'pattern', [], [checkOne('event pattern', data, events)]);
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
  for (const p of r.patterns) {
    out.push(`  ${p.name}: ${p.errors.length === 0 ? 'valid' : 'INVALID'}`);
    for (const e of p.errors) out.push(`    error: ${e}`);
    for (const w of p.warnings) out.push(`    note: ${w}`);
    for (const m of p.matches) {
      out.push(
        `    ${m.matched ? 'matches' : 'does NOT match'} the ${m.event} task state change event`,
      );
    }
  }
  out.push(
    r.matching
      ? 'OK: valid, and matches the ECS task state change events.'
      : r.valid
        ? 'NOT MATCHING: valid, but the exporter would miss ECS task state change events.'
        : 'INVALID: EventBridge would reject this pattern.',
  );
  return `${out.join('\n')}\n`;
}

export interface PatternIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The check-pattern command: the report on stdout (errors on stderr); 0, 1 or 2. */
export async function runCheckPattern(path: string, io: PatternIo): Promise<number> {
  const r = await checkPatternFile(path);
  const text = formatPatternReport(r);
  if (r.valid) {
    io.stdout.write(text);
    return r.matching ? 0 : 1;
  }
  io.stderr.write(text);
  return 2;
}
