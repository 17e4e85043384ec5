/**
 * `ecs-events-exporter check-pattern FILE`: reads an EventBridge event pattern
 * (JSON), or the event patterns of the AWS::Events::Rule resources of a
 * CloudFormation template (YAML with !Ref/!GetAtt/!Sub… tags, or JSON),
 * reports what EventBridge would reject, and judges each pattern as
 * EventBridge would match it against the reference events: which task
 * statuses and ECS detail-types it lets through, within its scope.
 *
 * Scope: a condition on a field that says which tasks (cluster, service
 * group, account, region, launch type, task definition…) narrows what is
 * watched, and is legitimate. Such a condition is taken as met by any event
 * that has the field; everything else (detail-type, source, lastStatus,
 * stopCode, desiredStatus, …) is matched for real. Exit status: 0 nothing the
 * metrics count is dropped within the scope, 1 something is, 2 invalid input.
 *
 * Here: reading the file and running the command. The judging is in
 * judge-pattern.ts, templates in cloudformation-template.ts, the text in
 * format-report.ts; what patterns are judged against comes from the kinds
 * (reference-events.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseTemplate } from './cloudformation-template.js';
import { isObject } from './event-pattern.js';
import { formatPatternReport } from './format-report.js';
import { checkOne, invalid, judgeTogether, type PatternResult } from './judge-pattern.js';
import {
  REFERENCE_EVENTS,
  REFERENCES,
  type ReferenceEvent,
  type References,
} from './reference-events.js';

export interface PatternReport {
  readonly path: string;
  readonly kind: 'pattern' | 'cloudformation' | 'unreadable';
  /** Problems with the file itself: unreadable, not JSON/YAML, no rule with a pattern. */
  readonly errors: readonly string[];
  readonly patterns: readonly PatternResult[];
  /**
   * A template of several valid rules: all of them together, judged on the
   * events any of them sends (what reaches the stream). Its rules may split
   * the detail-types between them (a partition key path per target).
   */
  readonly together?: PatternResult;
  /** Every pattern valid. */
  readonly valid: boolean;
  /**
   * Valid, and no pattern (in a template of several rules: the rules
   * together) drops, within its scope, an event the exporter counts.
   */
  readonly complete: boolean;
}

function rulesOf(template: Record<string, unknown>, refs: References) {
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
        results.push(
          invalid(id, pattern, [
            `EventPattern is a string that is not JSON: ${(err as Error).message}`,
          ]),
        );
        continue;
      }
    }
    results.push(checkOne(id, pattern, refs));
  }
  return results;
}

function report(
  path: string,
  kind: PatternReport['kind'],
  errors: string[],
  patterns: PatternResult[],
  refs?: References,
): PatternReport {
  const valid = errors.length === 0 && patterns.every((p) => p.errors.length === 0);
  if (kind === 'cloudformation' && valid && patterns.length > 1 && refs !== undefined) {
    const together = judgeTogether(patterns, refs);
    const complete = together.broken.length === 0;
    return { path, kind, errors, patterns, together, valid, complete };
  }
  const complete = valid && patterns.every((p) => p.broken.length === 0);
  return { path, kind, errors, patterns, valid, complete };
}

async function readInput(
  path: string,
  stdin?: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  if (stdin === undefined) throw new Error('no standard input');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Checks a pattern file (or - for standard input) or a CloudFormation
 * template against `events`, and the detail-types and carried fields of
 * `references` (the registry's kinds unless given).
 */
export async function checkPatternFile(
  path: string,
  events: readonly ReferenceEvent[] = REFERENCE_EVENTS,
  stdin?: AsyncIterable<unknown> | Iterable<unknown>,
  references: References = REFERENCES,
): Promise<PatternReport> {
  const refs: References = { ...references, events };
  let text: string;
  try {
    text = await readInput(path, stdin);
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
    const patterns = rulesOf(data, refs);
    const errors =
      patterns.length === 0 ? ['the template has no AWS::Events::Rule with an EventPattern'] : [];
    return report(path, 'cloudformation', errors, patterns, refs);
  }
  return report(path, 'pattern', [], [checkOne('event pattern', data, refs)]);
}

export interface PatternIo {
  readonly stdin?: AsyncIterable<unknown> | Iterable<unknown>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The check-pattern command: the report on stdout (on stderr when invalid); 0, 1 or 2. */
export async function runCheckPattern(path: string, io: PatternIo): Promise<number> {
  const r = await checkPatternFile(path, REFERENCE_EVENTS, io.stdin);
  const text = formatPatternReport(r);
  if (r.valid) {
    io.stdout.write(text);
    return r.complete ? 0 : 1;
  }
  io.stderr.write(text);
  return 2;
}
