/**
 * check-pattern and its reference events: the events cover every task status
 * and ECS detail-type and match the real fixtures; patterns and CloudFormation
 * rules from test/fixtures/patterns are judged with the exit codes the
 * command documents (through the built CLI).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_EVENTS } from '../../src/kinds/task-state-change/samples.js';
import {
  checkPatternFile,
  type PatternReport,
  runCheckPattern,
} from '../../src/pattern/check-pattern.js';
import { checkEventPattern, matchesEventPattern } from '../../src/pattern/event-pattern.js';
import { formatPatternReport } from '../../src/pattern/format-report.js';
import {
  REFERENCE_EVENTS,
  type ReferenceEvent,
  TASK_STATUSES,
} from '../../src/pattern/reference-events.js';
import { runCli } from '../helpers/cli.js';

const PATTERNS = new URL('../fixtures/patterns/', import.meta.url);
const EVENTS = new URL('../fixtures/events/', import.meta.url);
const pattern = (name: string) => fileURLToPath(new URL(name, PATTERNS));
const TEMPLATE = fileURLToPath(
  new URL('../../deploy/cloudformation/ecs-events-exporter.yaml', import.meta.url),
);

/** Every real task event under test/fixtures/events. */
const FIXTURE_EVENTS: ReferenceEvent[] = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.json$/, ''),
    event: JSON.parse(readFileSync(new URL(f, EVENTS), 'utf8')) as Record<string, unknown>,
  }))
  .filter((e) => e.event['detail-type'] === 'ECS Task State Change');
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

const only = (r: PatternReport) => r.patterns[0] as PatternReport['patterns'][number];
const matchedNames = (r: PatternReport) =>
  r.patterns.flatMap((p) => p.matches.filter((m) => m.matched).map((m) => m.event));
const droppedStatuses = (r: PatternReport) =>
  only(r)
    .statuses.filter((s) => s.passed < s.events)
    .map((s) => s.status);
const passingTypes = (r: PatternReport) =>
  only(r)
    .detailTypes.filter((d) => d.passed === d.events)
    .map((d) => d.detailType);
const detail = (e: ReferenceEvent) => e.event.detail as Record<string, unknown>;

describe('the reference events', () => {
  const tasks = REFERENCE_EVENTS.filter((e) => e.event['detail-type'] === 'ECS Task State Change');

  it('cover every task status, Fargate and EC2, several stop codes, and the other ECS detail-types', () => {
    expect(new Set(tasks.map((e) => detail(e).lastStatus))).toEqual(new Set(TASK_STATUSES));
    expect(new Set(tasks.map((e) => detail(e).launchType))).toEqual(new Set(['FARGATE', 'EC2']));
    const stopCodes = new Set(
      tasks.filter((e) => detail(e).lastStatus === 'STOPPED').map((e) => detail(e).stopCode),
    );
    expect(stopCodes.size).toBeGreaterThanOrEqual(6);
    expect(stopCodes).toContain(undefined); // a stop without a stop code (host lost)
    expect(new Set(REFERENCE_EVENTS.map((e) => e.event['detail-type']))).toEqual(
      new Set([
        'ECS Task State Change',
        'ECS Deployment State Change',
        'ECS Service Action',
        'ECS Container Instance State Change',
        'ECS Daemon Deployment State Change',
        'ECS Daemon Service Action',
        'ECS Container Instance Health Change',
        'ECS Hook State Change',
      ]),
    );
    expect(new Set(REFERENCE_EVENTS.map((e) => e.name)).size).toBe(REFERENCE_EVENTS.length);
  });

  it('are shaped like the real fixtures: every detail field they carry is one a fixture carries', () => {
    const real = new Set(FIXTURE_EVENTS.flatMap((e) => Object.keys(e.event.detail as object)));
    real.add('containerInstanceArn'); // EC2 tasks carry it; the fixtures are Fargate and managed instances
    for (const e of tasks) {
      for (const key of Object.keys(detail(e))) expect(real, `${e.name}: ${key}`).toContain(key);
    }
  });

  it('embed the seed events as faithful subsets of the seed fixtures', () => {
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
    expect(SEED_EVENTS.map((e) => e.name)).toEqual(['task-exited', 'task-failed-to-start']);
    for (const ref of SEED_EVENTS) expect(subset(ref.event, fixture(ref.name))).toBe(true);
  });
});

describe('check-pattern', () => {
  it('the seed pattern lets every task status through (exit 0), and notes the detail-types it does not send', async () => {
    const r = await checkPatternFile(pattern('seed.json'));
    expect(r).toMatchObject({ kind: 'pattern', valid: true, complete: true });
    expect(only(r).statuses.map((s) => s.status)).toEqual([...TASK_STATUSES]);
    expect(droppedStatuses(r)).toEqual([]);
    expect(only(r).scope).toEqual([]);
    expect(only(r).detailTypes.map((d) => [d.detailType, d.counted, d.passed > 0])).toEqual([
      ['ECS Task State Change', true, true],
      ['ECS Deployment State Change', true, false],
      ['ECS Service Action', true, false],
      ['ECS Container Instance State Change', true, false],
      ['ECS Daemon Deployment State Change', true, false],
      ['ECS Daemon Service Action', true, false],
      ['ECS Container Instance Health Change', true, false],
      ['ECS Hook State Change', true, false],
    ]);
    expect(only(r).notSent).toEqual([
      'ECS Deployment State Change',
      'ECS Service Action',
      'ECS Container Instance State Change',
      'ECS Daemon Deployment State Change',
      'ECS Daemon Service Action',
      'ECS Container Instance Health Change',
      'ECS Hook State Change',
    ]);
    const all = await checkPatternFile(pattern('seed.json'), FIXTURE_EVENTS);
    expect(matchedNames(all)).toEqual(FIXTURE_EVENTS.map((e) => e.name));
    const { out, io } = capture();
    expect(await runCheckPattern(pattern('seed.json'), io)).toBe(0);
    expect(out.stdout).toMatch(/^OK: valid; every task status passes\.$/m);
    expect(out.stdout).toMatch(
      /^note: not sent by this pattern: ECS Deployment State Change, ECS Service Action, ECS Container Instance State Change, ECS Daemon Deployment State Change, ECS Daemon Service Action, ECS Container Instance Health Change, ECS Hook State Change\. Their metrics stay empty unless a second rule sends them to the stream; its Kinesis target is keyed by the event id/m,
    );
    expect(out.stdout).not.toContain("add them to the rule's detail-type list");
    expect(out.stdout).toMatch(/ECS Service Action {20}not sent {8}counted by the exporter/);
  });

  it('a rule on all of aws.ecs passes every ECS detail-type', async () => {
    const r = await checkPatternFile(pattern('all-ecs.json'));
    expect(r.complete).toBe(true);
    expect(passingTypes(r)).toHaveLength(8);
  });

  it('a pattern scoped to one cluster is a scope, not a miss (exit 0)', async () => {
    const r = await checkPatternFile(pattern('one-cluster.json'));
    expect(r).toMatchObject({ valid: true, complete: true });
    expect(only(r).scope).toEqual([
      { path: 'detail.clusterArn', matchers: ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'] },
    ]);
    expect(droppedStatuses(r)).toEqual([]);
    const { out, io } = capture();
    expect(await runCheckPattern(pattern('one-cluster.json'), io)).toBe(0);
    expect(out.stdout).toContain(
      'detail.clusterArn ["arn:aws:ecs:us-east-1:111122223333:cluster/prod"]',
    );
    expect(out.stdout).toContain('OK: valid; within its scope (detail.clusterArn)');
  });

  it('an account, a group prefix and an anything-but on clusters are scopes too (exit 0)', async () => {
    const r = await checkPatternFile(pattern('services-of-one-account.json'));
    expect(r.complete).toBe(true);
    expect(only(r).scope.map((s) => s.path)).toEqual([
      'account',
      'detail.group',
      'detail.clusterArn',
      'detail.launchType',
    ]);
    expect(droppedStatuses(r)).toEqual([]);
  });

  it('a STOPPED-only pattern drops every other status (exit 1), naming the metric it breaks', async () => {
    const r = await checkPatternFile(pattern('stopped-only.json'));
    expect(r).toMatchObject({ valid: true, complete: false });
    expect(droppedStatuses(r)).toEqual(TASK_STATUSES.filter((s) => s !== 'STOPPED'));
    const metrics = only(r).broken.map((b) => b.metric);
    expect(metrics).toContain('ecs_task_state_transitions_total{last_status="RUNNING"}');
    // Durations still come from the STOPPED events, which carry every timestamp.
    expect(metrics.every((m) => m.startsWith('ecs_task_state_transitions_total'))).toBe(true);
    const { out, io } = capture();
    expect(await runCheckPattern(pattern('stopped-only.json'), io)).toBe(1);
    expect(out.stdout).toMatch(/PENDING +DROPPED \(0 of \d+ events pass\)/);
    expect(out.stdout).toMatch(/STOPPED +passes/);
    expect(out.stdout).toMatch(/^DROPS: valid, but it drops task statuses PROVISIONING, PENDING/m);
  });

  it('lastStatus anything-but RUNNING drops RUNNING alone (exit 1)', async () => {
    const r = await checkPatternFile(pattern('not-running.json'));
    expect(r.complete).toBe(false);
    expect(droppedStatuses(r)).toEqual(['RUNNING']);
    expect(only(r).broken.map((b) => b.metric)).toEqual([
      'ecs_task_state_transitions_total{last_status="RUNNING"}',
    ]);
  });

  it('a pattern on another detail-type drops every task event (exit 1)', async () => {
    const r = await checkPatternFile(pattern('deployment-state-change.json'));
    expect(r).toMatchObject({ valid: true, complete: false });
    expect(droppedStatuses(r)).toEqual([...TASK_STATUSES]);
    expect(passingTypes(r)).toEqual(['ECS Deployment State Change']);
    expect(only(r).broken.map((b) => b.metric)).toEqual(
      expect.arrayContaining([
        'ecs_task_stopped_total',
        'ecs_task_run_duration_seconds',
        'ecs_task_startup_duration_seconds',
        'ecs_task_image_pull_duration_seconds',
      ]),
    );
    const { io } = capture();
    expect(await runCheckPattern(pattern('deployment-state-change.json'), io)).toBe(1);
  });

  it('filters on stop codes drop part of STOPPED: partly dropped, within the scope', async () => {
    const failed = await checkPatternFile(pattern('only-failed-to-start.json'), FIXTURE_EVENTS);
    expect(matchedNames(failed)).toEqual([
      'task-failed-to-start',
      'task-stopped-image-pull-failed',
    ]);
    // lastStatus, anything-but, prefix and exists on nested detail fields; launchType and
    // clusterArn are scope, so only the stop without a stop code and the non-STOPPED fall out.
    const stopped = await checkPatternFile(pattern('stopped-fargate-only.json'), FIXTURE_EVENTS);
    expect(stopped.valid).toBe(true);
    expect(matchedNames(stopped)).toEqual(
      FIXTURE_EVENTS.map((e) => e.name).filter(
        (n) => n !== 'task-spot-termination-notice' && n !== 'task-stopped-external-no-stop-code',
      ),
    );
    const own = await checkPatternFile(pattern('stopped-fargate-only.json'));
    const stoppedVerdict = only(own).statuses.find((s) => s.status === 'STOPPED');
    expect(stoppedVerdict?.passed).toBe((stoppedVerdict?.events ?? 0) - 1);
    expect(only(own).broken.map((b) => b.metric)).toContain('ecs_task_stopped_total');
  });

  it('exists:false on a field every task event has is no scope: it drops everything', async () => {
    const r = await checkPatternFile('-', REFERENCE_EVENTS, [
      Buffer.from(
        JSON.stringify({ source: ['aws.ecs'], detail: { clusterArn: [{ exists: false }] } }),
      ),
    ]);
    expect(only(r).scope).toEqual([]);
    expect(droppedStatuses(r)).toEqual([...TASK_STATUSES]);
  });

  it('reads the rules of CloudFormation templates; the deploy template is judged OK (exit 0)', async () => {
    const ours = await checkPatternFile(TEMPLATE);
    expect(ours).toMatchObject({ kind: 'cloudformation', valid: true, complete: true });
    expect(ours.patterns.map((p) => p.name)).toEqual([
      'TaskStateChangeRule',
      'ServiceAndInstanceEventsRule',
    ]);
    // Neither rule alone sends everything; together they do.
    expect(ours.patterns[1]?.broken.length).toBeGreaterThan(0);
    expect(ours.together?.broken).toEqual([]);
    const { out, io } = capture();
    expect(await runCheckPattern(TEMPLATE, io)).toBe(0);
    expect(out.stdout).toContain('TaskStateChangeRule: valid');
    expect(out.stdout).toContain('what it drops is judged with the other rules, below');
    expect(out.stdout).toContain(
      'all 2 rules together: OK: valid; every task status and every ECS detail-type the exporter counts passes.',
    );

    const scalar = await checkPatternFile(pattern('rule-scalar.cfn.yaml'));
    expect(scalar.valid).toBe(false);
    expect(scalar.patterns[0]?.name).toBe('Rule');
    expect(scalar.patterns[0]?.errors[0]).toMatch(/^"detail-type" must be an object or an array/);

    const asString = await checkPatternFile(pattern('rule-string-pattern.cfn.json'));
    expect(asString).toMatchObject({ valid: true, complete: true });
    expect(only(asString).scope.map((s) => s.path)).toEqual(['detail.group']);
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
});

describe('check-pattern on the command line (built CLI)', () => {
  it('--help and -h print the usage with the exit codes, and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = runCli(['check-pattern', flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ecs-events-exporter check-pattern FILE\|-/);
      expect(r.stdout).toContain('Exit status:');
      expect(r.stderr).toBe('');
    }
    expect(runCli(['check-pattern', pattern('seed.json'), '--help']).status).toBe(0);
  });

  it('unknown flags and a missing or extra FILE are errors (exit 2)', () => {
    const unknown = runCli(['check-pattern', '--strict', pattern('seed.json')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--strict"');
    expect(runCli(['check-pattern']).status).toBe(2);
    expect(runCli(['check-pattern', pattern('seed.json'), pattern('seed.json')]).status).toBe(2);
    expect(runCli(['check-pattern', pattern('no-such-file.json')]).status).toBe(2);
  });

  it('exits 0 for a scoped pattern, 1 for STOPPED only, 2 for an invalid one; - reads stdin', () => {
    expect(runCli(['check-pattern', pattern('one-cluster.json')]).status).toBe(0);
    expect(runCli(['check-pattern', pattern('stopped-only.json')]).status).toBe(1);
    expect(runCli(['check-pattern', pattern('scalar-detail-type.json')]).status).toBe(2);
    expect(runCli(['check-pattern', TEMPLATE]).status).toBe(0);
    const piped = runCli(['check-pattern', '-'], readFileSync(pattern('not-running.json'), 'utf8'));
    expect(piped.status).toBe(1);
    expect(piped.stdout).toMatch(/RUNNING +DROPPED/);
    expect(runCli(['check-pattern', '--', pattern('seed.json')]).status).toBe(0);
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
      a: [{ numeric: ['>>', 1] }],
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
      '"b"[0]: "exists" takes true or false',
      '"c"[0]: a match object must have exactly one operator, found 2',
      '"d"[0]: "anything-but" has an empty array',
      '"e"[0]: an array inside a match array is not allowed',
      '"f": an empty object is not allowed',
      '"g" must be an object or an array, not number 5 (write [5])',
      '"$or": "$or" takes an array of at least two patterns',
    ]);
    expect(
      checkEventPattern({
        a: [{ numeric: ['<', 5, '>', 1] }],
        b: [{ numeric: ['>', 5, '<', 1] }],
        c: [{ numeric: ['>', 6e9] }],
        d: [{ numeric: ['=', 'x'] }],
        e: [{ wildcard: 'a**b' }],
        f: [{ wildcard: 'a\\b' }],
        g: [{ 'anything-but': { prefix: '' } }],
        h: [{ cidr: '10.0.0.0/33' }],
      }).errors,
    ).toEqual([
      '"a"[0]: a "numeric" range is [">" | ">=", low, "<" | "<=", high]',
      '"b"[0]: "numeric" range 5..1 is empty (low must be below high)',
      '"c"[0]: "numeric" value 6000000000 is outside -5e9..5e9, the range EventBridge compares',
      '"d"[0]: "numeric" value "x" is not a number',
      '"e"[0]: "wildcard" may not have consecutive "*"',
      '"f"[0]: "wildcard" may escape only "*" and "\\" with a backslash',
      '"g"[0]: "anything-but" "prefix" may not be empty',
      '"h"[0]: "cidr" takes an IP prefix such as "10.0.0.0/24" or "2001:db8::/32"',
    ]);
    expect(
      checkEventPattern({
        a: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }],
        b: [{ 'anything-but': { 'equals-ignore-case': ['x', 'y'] } }],
        c: [{ cidr: '2001:db8::/32' }, { wildcard: 'a\\*b' }],
      }).errors,
    ).toEqual([]);
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

describe('event pattern matching, as EventBridge matches JSON events', () => {
  const event = {
    detail: {
      containers: [
        { name: 'app', exitCode: 1 },
        { name: 'sidecar', exitCode: 0 },
      ],
      nested: { inner: 'x' },
      ip6: '2001:db8::1',
      path: '/usr/lib/x',
    },
  };
  const m = (p: unknown) => matchesEventPattern(p, event);

  it('matches the fields of one pattern object inside the same array element', () => {
    expect(m({ detail: { containers: { name: ['app'], exitCode: [1] } } })).toBe(true);
    expect(m({ detail: { containers: { name: ['app'], exitCode: [0] } } })).toBe(false);
    expect(m({ detail: { containers: { exitCode: [0] } } })).toBe(true);
  });

  it('matches leaves only: exists is false for an object', () => {
    expect(m({ detail: { nested: [{ exists: true }] } })).toBe(false);
    expect(m({ detail: { nested: [{ exists: false }] } })).toBe(true);
    expect(m({ detail: { nested: { inner: [{ exists: true }] } } })).toBe(true);
    expect(m({ detail: { missing: { deeper: [{ exists: false }] } } })).toBe(true);
  });

  it('matches IPv6 cidr, wildcard escapes and anything-but wildcard lists', () => {
    expect(m({ detail: { ip6: [{ cidr: '2001:db8::/32' }] } })).toBe(true);
    expect(m({ detail: { ip6: [{ cidr: '2001:db9::/32' }] } })).toBe(false);
    expect(
      m({ detail: { path: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } }),
    ).toBe(false);
    expect(m({ detail: { path: [{ 'anything-but': { wildcard: ['*/bin/*'] } }] } })).toBe(true);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'x*y' })).toBe(true);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'xzy' })).toBe(false);
  });

  it('takes scope fields as met when the event has them, but never for exists:false', () => {
    const assumed = new Set(['detail.clusterArn']);
    const e = { detail: { clusterArn: 'arn:aws:ecs:eu-west-1:1:cluster/a' } };
    const p = (matchers: unknown[]) => ({ detail: { clusterArn: matchers } });
    expect(matchesEventPattern(p(['other']), e)).toBe(false);
    expect(matchesEventPattern(p(['other']), e, { assumed })).toBe(true);
    expect(matchesEventPattern(p([{ exists: false }]), e, { assumed })).toBe(false);
    expect(matchesEventPattern(p(['other']), { detail: {} }, { assumed })).toBe(false);
  });
});
