import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkPatternFile,
  formatPatternReport,
  runCheckPattern,
} from '../../src/pattern/check-pattern.js';
import { checkEventPattern, matchesEventPattern } from '../../src/pattern/event-pattern.js';
import { REFERENCE_EVENTS, type ReferenceEvent } from '../../src/pattern/reference-events.js';

const PATTERNS = new URL('../fixtures/patterns/', import.meta.url);
const EVENTS = new URL('../fixtures/events/', import.meta.url);
const pattern = (name: string) => fileURLToPath(new URL(name, PATTERNS));
const TEMPLATE = fileURLToPath(
  new URL('../../deploy/cloudformation/ecs-events-exporter.yaml', import.meta.url),
);

/** Every real event under test/fixtures/events. */
const FIXTURE_EVENTS: ReferenceEvent[] = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.json$/, ''),
    event: JSON.parse(readFileSync(new URL(f, EVENTS), 'utf8')) as Record<string, unknown>,
  }));
const fixture = (name: string) =>
  (FIXTURE_EVENTS.find((e) => e.name === name) as ReferenceEvent).event;

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
    },
  };
}

const matchedNames = (r: Awaited<ReturnType<typeof checkPatternFile>>) =>
  r.patterns.flatMap((p) => p.matches.filter((m) => m.matched).map((m) => m.event));

describe('check-pattern', () => {
  it('the seed pattern is valid and matches both seed events and every fixture event', async () => {
    const seeds = await checkPatternFile(pattern('seed.json'));
    expect(seeds).toMatchObject({ kind: 'pattern', valid: true, matching: true });
    expect(matchedNames(seeds)).toEqual(['task-exited', 'task-failed-to-start']);
    const all = await checkPatternFile(pattern('seed.json'), FIXTURE_EVENTS);
    expect(all.matching).toBe(true);
    expect(matchedNames(all)).toEqual(FIXTURE_EVENTS.map((e) => e.name));
    expect(FIXTURE_EVENTS.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects the scalar "detail-type": "ECS Task State Change" (exit 2, on stderr)', async () => {
    const r = await checkPatternFile(pattern('scalar-detail-type.json'));
    expect(r.valid).toBe(false);
    expect(r.patterns[0]?.errors).toEqual([
      expect.stringMatching(/^"detail-type" must be an object or an array, not string/),
    ]);
    const { out, io } = capture();
    expect(await runCheckPattern(pattern('scalar-detail-type.json'), io)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('INVALID');
    expect(out.stderr).toContain('["ECS Task State Change"]');
  });

  it('rejects empty arrays and unknown operators', async () => {
    const empty = await checkPatternFile(pattern('empty-array.json'));
    expect(empty.valid).toBe(false);
    expect(empty.patterns[0]?.errors).toEqual(['"source": empty arrays are not allowed']);
    const typo = await checkPatternFile(pattern('unknown-operator.json'));
    expect(typo.valid).toBe(false);
    expect(typo.patterns[0]?.errors).toEqual([
      expect.stringContaining('"detail"."clusterArn"[0]: unrecognized match type "prefx"'),
    ]);
  });

  it('says a valid pattern for another detail-type matches no task event (exit 1)', async () => {
    const r = await checkPatternFile(pattern('deployment-state-change.json'), FIXTURE_EVENTS);
    expect(r).toMatchObject({ valid: true, matching: false });
    expect(matchedNames(r)).toEqual([]);
    const { out, io } = capture();
    expect(await runCheckPattern(pattern('deployment-state-change.json'), io)).toBe(1);
    expect(out.stdout).toContain('does NOT match the task-exited task state change event');
    expect(out.stdout).toContain('NOT MATCHING');
  });

  it('a narrower pattern matches only the events it selects', async () => {
    const failed = await checkPatternFile(pattern('only-failed-to-start.json'), FIXTURE_EVENTS);
    expect(failed.matching).toBe(false);
    expect(matchedNames(failed)).toEqual([
      'task-failed-to-start',
      'task-stopped-image-pull-failed',
    ]);
    // lastStatus, anything-but, prefix and exists on nested detail fields.
    const stopped = await checkPatternFile(pattern('stopped-fargate-only.json'), FIXTURE_EVENTS);
    expect(stopped.valid).toBe(true);
    expect(matchedNames(stopped)).toEqual(
      FIXTURE_EVENTS.map((e) => e.name).filter(
        (n) => n !== 'task-spot-termination-notice' && n !== 'task-stopped-external-no-stop-code',
      ),
    );
  });

  it('reads the rules of CloudFormation templates, in YAML with intrinsic tags or JSON', async () => {
    const ours = await checkPatternFile(TEMPLATE, FIXTURE_EVENTS);
    expect(ours).toMatchObject({ kind: 'cloudformation', valid: true, matching: true });
    expect(ours.patterns.map((p) => p.name)).toEqual(['TaskStateChangeRule']);
    const { out, io } = capture();
    expect(await runCheckPattern(TEMPLATE, io)).toBe(0);
    expect(out.stdout).toContain('TaskStateChangeRule: valid');
    expect(out.stdout).toContain('OK: valid, and matches the ECS task state change events.');

    const scalar = await checkPatternFile(pattern('rule-scalar.cfn.yaml'));
    expect(scalar.valid).toBe(false);
    expect(scalar.patterns[0]?.name).toBe('Rule');
    expect(scalar.patterns[0]?.errors[0]).toMatch(/^"detail-type" must be an object or an array/);

    const asString = await checkPatternFile(
      pattern('rule-string-pattern.cfn.json'),
      FIXTURE_EVENTS,
    );
    expect(asString.valid).toBe(true);
    expect(matchedNames(asString)).toEqual(
      FIXTURE_EVENTS.filter((e) =>
        String((e.event.detail as { group: string }).group).startsWith('family:'),
      ).map((e) => e.name),
    );
  });

  it('reports files it cannot read or parse, and templates without a rule (exit 2)', async () => {
    const { io } = capture();
    expect(await runCheckPattern(pattern('no-such-file.json'), io)).toBe(2);
    const truncated = await checkPatternFile(pattern('truncated.json'));
    expect(truncated).toMatchObject({ kind: 'unreadable', valid: false });
    expect(truncated.errors[0]).toMatch(/is neither JSON nor YAML/);
    const noRule = await checkPatternFile(pattern('no-rule.cfn.yaml'));
    expect(noRule).toMatchObject({ kind: 'cloudformation', valid: false, patterns: [] });
    expect(noRule.errors).toEqual(['the template has no AWS::Events::Rule with an EventPattern']);
    expect(formatPatternReport(noRule)).toMatch(/INVALID/);
  });

  it('embeds reference events that are faithful subsets of the seed fixtures', () => {
    const subset = (part: unknown, whole: unknown): boolean => {
      if (Array.isArray(part))
        return Array.isArray(whole) && part.every((p, i) => subset(p, whole[i]));
      if (part !== null && typeof part === 'object') {
        return (
          whole !== null &&
          typeof whole === 'object' &&
          Object.entries(part).every(([k, v]) => subset(v, (whole as Record<string, unknown>)[k]))
        );
      }
      return part === whole;
    };
    expect(REFERENCE_EVENTS.map((e) => e.name)).toEqual(['task-exited', 'task-failed-to-start']);
    for (const ref of REFERENCE_EVENTS) expect(subset(ref.event, fixture(ref.name))).toBe(true);
  });
});

describe('event pattern checks', () => {
  const event = fixture('task-stopped-oom');

  it('accept every valid operator, and reject malformed arguments', () => {
    const valid = {
      source: ['aws.ecs'],
      detail: {
        a: [{ prefix: 'x' }, { suffix: 'y' }, { 'equals-ignore-case': 'z' }, { wildcard: 'a*b' }],
        b: [{ 'anything-but': ['x', 'y'] }, { 'anything-but': { prefix: 'p' } }],
        c: [{ numeric: ['>', 0, '<=', 5] }, { exists: false }, { cidr: '10.0.0.0/24' }],
        d: [null, 1, 'text'],
      },
      $or: [{ region: ['eu-west-1'] }, { account: ['1'] }],
    };
    expect(checkEventPattern(valid)).toEqual({ errors: [], warnings: [] });
    const bad = checkEventPattern({
      a: [{ numeric: ['>>', 'x'] }],
      b: [{ exists: 'yes' }],
      c: [{ prefix: 'x', suffix: 'y' }],
      d: [{ 'anything-but': [] }],
      e: [['nested']],
      f: {},
      g: 5,
      $or: [{ a: ['x'] }],
    });
    expect(bad.errors).toEqual([
      '"a"[0]: "numeric" operator ">>" is not one of <, <=, =, >, >=',
      '"a"[0]: "numeric" value "x" is not a number',
      '"b"[0]: "exists" takes true or false',
      '"c"[0]: a match object must have exactly one operator, found 2',
      '"d"[0]: "anything-but" has an empty array',
      '"e"[0]: an array inside a match array is not allowed',
      '"f": an empty object is not allowed',
      '"g" must be an object or an array, not number 5 (write [5])',
      '"$or": "$or" takes an array of at least two patterns',
    ]);
    expect(checkEventPattern(['aws.ecs']).errors).toEqual([
      'an event pattern must be a JSON object, not an array',
    ]);
  });

  it('match exact values, prefix, suffix, anything-but, exists and numeric on nested fields', () => {
    const m = (p: unknown) => matchesEventPattern(p, event);
    expect(m({ detail: { lastStatus: ['STOPPED'] } })).toBe(true);
    expect(m({ detail: { lastStatus: ['RUNNING'] } })).toBe(false);
    expect(m({ detail: { clusterArn: [{ prefix: 'arn:aws:ecs:ap-northeast-1:' }] } })).toBe(true);
    expect(m({ detail: { clusterArn: [{ prefix: 'arn:aws:ecs:us-east-1:' }] } })).toBe(false);
    expect(m({ detail: { group: [{ suffix: ':checkout' }] } })).toBe(true);
    expect(m({ detail: { launchType: [{ 'anything-but': ['EC2', 'EXTERNAL'] }] } })).toBe(true);
    expect(m({ detail: { launchType: [{ 'anything-but': 'FARGATE' }] } })).toBe(false);
    expect(m({ detail: { stopCode: [{ exists: true }] } })).toBe(true);
    expect(m({ detail: { noSuchField: [{ exists: false }] } })).toBe(true);
    expect(m({ detail: { noSuchField: [{ exists: true }] } })).toBe(false);
    expect(m({ detail: { version: [{ numeric: ['>=', 1] }] } })).toBe(true);
    expect(m({ detail: { version: [{ numeric: ['>', 1000] }] } })).toBe(false);
    expect(m({ detail: { lastStatus: [{ 'equals-ignore-case': 'stopped' }] } })).toBe(true);
    expect(m({ detail: { stoppedReason: [{ wildcard: 'Essential*exited' }] } })).toBe(true);
  });

  it('match fields inside arrays of objects, as EventBridge flattens them', () => {
    const reasons = (event.detail as { containers: { reason?: string }[] }).containers.map(
      (c) => c.reason,
    );
    expect(reasons.some((r) => r?.startsWith('OutOfMemoryError'))).toBe(true);
    expect(
      matchesEventPattern(
        { detail: { containers: { reason: [{ prefix: 'OutOfMemoryError' }] } } },
        event,
      ),
    ).toBe(true);
    expect(
      matchesEventPattern({ detail: { containers: { reason: [{ prefix: 'Nope' }] } } }, event),
    ).toBe(false);
    expect(matchesEventPattern({ resources: [{ prefix: 'arn:aws:ecs:' }] }, event)).toBe(true);
  });

  it('match $or alternatives and IPv4 cidr ranges', () => {
    const withIp = { detail: { ip: '10.1.2.3' } };
    expect(matchesEventPattern({ detail: { ip: [{ cidr: '10.1.0.0/16' }] } }, withIp)).toBe(true);
    expect(matchesEventPattern({ detail: { ip: [{ cidr: '10.2.0.0/16' }] } }, withIp)).toBe(false);
    const or = { $or: [{ detail: { ip: ['x'] } }, { detail: { ip: ['10.1.2.3'] } }] };
    expect(matchesEventPattern(or, withIp)).toBe(true);
    expect(matchesEventPattern({ $or: [{ a: ['x'] }, { b: ['y'] }] }, withIp)).toBe(false);
  });
});
