/**
 * The kinds of 2025–2026: managed daemon deployments and service actions,
 * container instance health and deployment lifecycle hooks. Pins the
 * contract's rules on fixtures written from the shapes the ECS developer
 * guide documents (nulls, empty or absent `resources`, nine-digit
 * fractions, eventType WARNING), and checks that every rule gives the same
 * exposition whatever the order of the distinct events and however many
 * redeliveries (same or new event id) come with them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import {
  expositionOf,
  fixtureEvent,
  fixtureLine,
  freshCore,
  sample,
  sumOf,
} from '../helpers/exposition.js';
import { assertOrderIndependent } from '../helpers/order-independence.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="my-cluster"';
const DAEMON = `${CLUSTER},daemon="monitoring-agent"`;
const SERVICE = `${CLUSTER},ecs_service="checkout"`;

type Event = Record<string, unknown>;
const withDetail = (event: Event, detail: Record<string, unknown>, id: string): Event => ({
  ...event,
  id,
  detail: { ...(event.detail as Record<string, unknown>), ...detail },
});
const lines = (events: readonly Event[]) => events.map((e) => JSON.stringify(e));
const records = (text: string, result: string) =>
  sample(text, `ecs_events_exporter_records_total{result="${result}"}`) ?? 0;

const NEW_FIXTURES = [
  'daemon-deployment-pending.json',
  'daemon-deployment-in-progress.json',
  'daemon-deployment-successful.json',
  'daemon-deployment-rollback-failed.json',
  'daemon-task-failed-to-run.json',
  'daemon-task-creation-failed.json',
  'container-instance-health-runtime-ok.json',
  'container-instance-health-gpu-xid.json',
  'container-instance-health-agent-disconnected.json',
  'hook-awaiting-action.json',
  'hook-succeeded.json',
  'hook-timed-out.json',
  'service-action-vpc-lattice-unhealthy.json',
];

describe('fixture events of the new kinds → exposition', () => {
  for (const name of NEW_FIXTURES) {
    it(`pins the exposition of ${name}, processed, never invalid`, async () => {
      const text = await expositionOf([fixtureLine(name)], ARGS);
      expect(records(text, 'processed')).toBe(1);
      const ecs = text
        .split('\n')
        .filter((l) => /^ecs_(daemon|container_instance_health|service_)/.test(l))
        .join('\n');
      await expect(`${ecs}\n`).toMatchFileSnapshot(
        `../fixtures/exposition/${name.replace('.json', '.prom')}`,
      );
    });
  }
});

describe('daemon deployments', () => {
  const pending = fixtureEvent('daemon-deployment-pending.json');
  const inProgress = fixtureEvent('daemon-deployment-in-progress.json');
  const successful = fixtureEvent('daemon-deployment-successful.json');
  const rollbackFailed = fixtureEvent('daemon-deployment-rollback-failed.json');

  it('counts each status once per deployment; the duration runs from the earliest start to the earliest end, read to the millisecond', async () => {
    const text = await expositionOf(
      lines([successful, inProgress, pending, { ...inProgress, id: 'again' }]),
      ARGS,
    );
    for (const status of ['pending', 'in_progress', 'successful']) {
      expect(sample(text, `ecs_daemon_deployments_total{${DAEMON},status="${status}"}`)).toBe(1);
    }
    // 15:50:02.104527318 to 15:54:41.618059641: 279.513 s (nine digits read to the ms).
    expect(
      sample(text, `ecs_daemon_deployment_duration_seconds_sum{${DAEMON},outcome="successful"}`),
    ).toBeCloseTo(279.514, 6);
    expect(sumOf(text, 'ecs_daemon_deployment_duration_seconds_count')).toBe(1);
    expect(records(text, 'duplicate')).toBe(1);
    // The daemon deployment is not a service deployment.
    expect(sumOf(text, 'ecs_service_deployments_total')).toBe(0);
  });

  it('an earlier start arriving last moves the one observation; a tie of ends goes to the smaller status', async () => {
    const stopped = withDetail(
      successful,
      { eventName: 'DAEMON_DEPLOYMENT_STOPPED', eventType: 'ERROR' },
      'stopped',
    );
    const text = await expositionOf(lines([inProgress, successful, stopped, pending]), ARGS);
    expect(sumOf(text, 'ecs_daemon_deployment_duration_seconds_count')).toBe(1);
    expect(
      sample(text, `ecs_daemon_deployment_duration_seconds_sum{${DAEMON},outcome="stopped"}`),
    ).toBeCloseTo(279.514, 6);
    expect(
      sample(text, `ecs_daemon_deployment_duration_seconds_count{${DAEMON},outcome="successful"}`),
    ).toBe(0);
  });

  it('empty resources and a rollback that failed; unknown names are counted bounded, never invalid', async () => {
    const later = withDetail(
      rollbackFailed,
      { eventName: 'DAEMON_DEPLOYMENT_SOMETHING_NEW' },
      'new-name',
    );
    const text = await expositionOf(lines([rollbackFailed, later]), ARGS);
    expect(sample(text, `ecs_daemon_deployments_total{${DAEMON},status="rollback_failed"}`)).toBe(
      1,
    );
    expect(sample(text, `ecs_daemon_deployments_total{${DAEMON},status="something_new"}`)).toBe(1);
    expect(records(text, 'invalid')).toBe(0);
  });

  it('a deployment without its ARN or with a detail of the wrong shape is invalid', async () => {
    const text = await expositionOf(
      lines([
        withDetail(successful, { daemonDeploymentArn: null }, 'a'),
        withDetail(successful, { updatedAt: 5 }, 'b'),
        { ...successful, id: 'c', detail: 'text' },
      ]),
      ARGS,
    );
    expect(records(text, 'invalid')).toBe(3);
  });
});

describe('daemon service actions', () => {
  const failedToRun = fixtureEvent('daemon-task-failed-to-run.json');
  const creationFailed = fixtureEvent('daemon-task-creation-failed.json');

  it('counts by daemon, failure type and reason class; the task id is never a label', async () => {
    const text = await expositionOf(
      lines([failedToRun, creationFailed, { ...creationFailed, id: 'resent' }]),
      ARGS,
    );
    expect(
      sample(
        text,
        `ecs_daemon_task_start_impaired_total{${DAEMON},failure_type="TASK_FAILED_TO_RUN",reason="image_pull_failed"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `ecs_daemon_task_start_impaired_total{${DAEMON},failure_type="TASK_CREATION_FAILED",reason="RESOURCE:MEMORY"}`,
      ),
    ).toBe(1);
    expect(records(text, 'duplicate')).toBe(1);
    expect(text).not.toContain('a1b2c3d4e5f6');
    expect(sumOf(text, 'ecs_service_action_events_total')).toBe(0);
  });

  it('once per (daemon, instance, failure type, task, createdAt): another instance counts again', async () => {
    const other = withDetail(
      failedToRun,
      {
        containerInstanceArn:
          'arn:aws:ecs:us-west-2:123456789012:container-instance/my-cluster/ffff0000EXAMPLE',
      },
      'other-instance',
    );
    const text = await expositionOf(lines([failedToRun, other]), ARGS);
    expect(sumOf(text, 'ecs_daemon_task_start_impaired_total')).toBe(2);
  });

  it('a reason of no known class is other; another event name is processed, counted nowhere', async () => {
    const odd = withDetail(creationFailed, { reason: 'something else' }, 'odd');
    const renamed = withDetail(creationFailed, { eventName: 'DAEMON_SOMETHING_NEW' }, 'renamed');
    const text = await expositionOf(lines([odd, renamed]), ARGS);
    expect(sumOf(text, 'ecs_daemon_task_start_impaired_total', 'reason="other"')).toBe(1);
    expect(sumOf(text, 'ecs_daemon_task_start_impaired_total')).toBe(1);
    expect(records(text, 'processed')).toBe(2);
  });
});

describe('container instance health', () => {
  const ok = fixtureEvent('container-instance-health-runtime-ok.json');
  const gpu = fixtureEvent('container-instance-health-gpu-xid.json');
  const agent = fixtureEvent('container-instance-health-agent-disconnected.json');
  const GPU_CLUSTER =
    'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="gpu-cluster",capacity_provider="gpu-managed-instances"';

  it('counts each check change by check, status and reason; a null capacity provider is none', async () => {
    const text = await expositionOf(lines([ok, gpu, agent, { ...gpu, id: 'resent' }]), ARGS);
    expect(
      sample(
        text,
        `ecs_container_instance_health_changes_total{${GPU_CLUSTER},check="ACCELERATED_COMPUTE",status="IMPAIRED",reason="XID_46"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `ecs_container_instance_health_changes_total{${CLUSTER},capacity_provider="none",check="CONTAINER_RUNTIME",status="OK",reason="none"}`,
      ),
    ).toBe(1);
    expect(
      sumOf(text, 'ecs_container_instance_health_changes_total', 'reason="agent_disconnected"'),
    ).toBe(1);
    expect(
      sumOf(text, 'ecs_container_instance_health_changes_total', 'reason="daemon_unhealthy"'),
    ).toBe(1);
    expect(records(text, 'duplicate')).toBe(1);
  });

  it('the gauge shows each check and overall at the latest status, with its record’s capacity provider', async () => {
    // ok and agent are the same instance: agent is later (time and lastStatusChange).
    const text = await expositionOf(lines([agent, ok, gpu]), ARGS);
    const where = `${CLUSTER},capacity_provider="managed-instances-default"`;
    expect(
      sample(text, `ecs_container_instance_health{${where},check="overall",status="IMPAIRED"}`),
    ).toBe(1);
    expect(
      sample(
        text,
        `ecs_container_instance_health{${where},check="AGENT_CONNECTIVITY",status="IMPAIRED"}`,
      ),
    ).toBe(1);
    // The runtime check came only in the earlier record, without a capacity provider.
    expect(
      sample(
        text,
        `ecs_container_instance_health{${CLUSTER},capacity_provider="none",check="CONTAINER_RUNTIME",status="OK"}`,
      ),
    ).toBe(1);
    expect(sumOf(text, 'ecs_container_instance_health', 'check="overall"')).toBe(2);
    expect(sumOf(text, 'ecs_container_instance_health', 'status="OK"', 'check="overall"')).toBe(0);
  });

  it('on a tie of lastStatusChange the greater status name in byte order (OK over IMPAIRED) wins, in any order', async () => {
    const a = withDetail(
      gpu,
      {
        healthChecks: [
          {
            type: 'ACCELERATED_COMPUTE',
            status: 'OK',
            lastStatusChange: '2026-04-11T02:13:39.004Z',
            statusReason: null,
          },
        ],
      },
      'tie-ok',
    );
    for (const order of [
      [a, gpu],
      [gpu, a],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      expect(
        sumOf(text, 'ecs_container_instance_health', 'check="ACCELERATED_COMPUTE"', 'status="OK"'),
      ).toBe(1);
      expect(
        sumOf(
          text,
          'ecs_container_instance_health',
          'check="ACCELERATED_COMPUTE"',
          'status="IMPAIRED"',
        ),
      ).toBe(0);
    }
  });

  it('an instance leaves the gauge when a Container Instance State Change says INACTIVE, before or after', async () => {
    const inactive = {
      ...fixtureEvent('container-instance-disconnected.json'),
      account: '123456789012',
      region: 'us-west-2',
      detail: {
        ...(fixtureEvent('container-instance-disconnected.json').detail as object),
        clusterArn: 'arn:aws:ecs:us-west-2:123456789012:cluster/my-cluster',
        containerInstanceArn: (agent.detail as { containerInstanceArn: string })
          .containerInstanceArn,
        status: 'INACTIVE',
        version: 99,
      },
    };
    for (const order of [
      [agent, ok, inactive],
      [inactive, agent, ok],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      expect(sumOf(text, 'ecs_container_instance_health', `ecs_cluster="my-cluster"`)).toBe(0);
      expect(sumOf(text, 'ecs_container_instance_health_changes_total')).toBe(3);
    }
  });

  it('check types named like object properties are checks like any other, through a save and restore', async () => {
    const odd = withDetail(
      ok,
      {
        healthChecks: ['__proto__', 'constructor', 'toString'].map((type) => ({
          type,
          status: 'IMPAIRED',
          lastStatusChange: '2026-04-11T00:49:08.512Z',
          statusReason: null,
        })),
      },
      'odd-types',
    );
    const core = freshCore(ARGS);
    core.pipeline.handle(JSON.stringify(odd));
    const restored = freshCore(ARGS);
    restoreState(restored, JSON.parse(JSON.stringify(captureState(core))));
    restored.pipeline.handle(JSON.stringify({ ...odd, id: 'again' }));
    const text = canonicalExposition(await restored.exposition());
    for (const type of ['__proto__', 'constructor', 'toString']) {
      expect(
        sumOf(text, 'ecs_container_instance_health', `check="${type}"`, 'status="IMPAIRED"'),
        type,
      ).toBe(1);
    }
    expect(records(text, 'duplicate')).toBe(1);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('unknown check types and statuses are kept bounded; a check of the wrong shape is invalid', async () => {
    const odd = withDetail(
      ok,
      {
        healthChecks: [
          { type: 'NEW_CHECK', status: 'DEGRADED', lastStatusChange: null, statusReason: 'odd' },
        ],
        overallStatus: null,
      },
      'odd',
    );
    const text = await expositionOf(
      lines([
        odd,
        withDetail(ok, { healthChecks: [{ type: 3, status: 'OK' }] }, 'bad-type'),
        withDetail(ok, { healthChecks: 'OK' }, 'bad-list'),
      ]),
      ARGS,
    );
    expect(
      sumOf(
        text,
        'ecs_container_instance_health_changes_total',
        'check="NEW_CHECK"',
        'status="DEGRADED"',
        'reason="other"',
      ),
    ).toBe(1);
    expect(records(text, 'invalid')).toBe(2);
  });
});

describe('deployment lifecycle hooks', () => {
  const awaiting = fixtureEvent('hook-awaiting-action.json');
  const succeeded = fixtureEvent('hook-succeeded.json');
  const timedOut = fixtureEvent('hook-timed-out.json');
  const HOOK = `${SERVICE},lifecycle_stage="POST_TEST_TRAFFIC_SHIFT",hook_type="PAUSE"`;

  it('counts each status once per hook; the gauge follows the latest by updatedAt', async () => {
    const waiting = await expositionOf(lines([awaiting, { ...awaiting, id: 'again' }]), ARGS);
    expect(sample(waiting, `ecs_service_deployment_hooks_awaiting_action{${HOOK}}`)).toBe(1);
    expect(
      sample(waiting, `ecs_service_deployment_hooks_total{${HOOK},status="awaiting_action"}`),
    ).toBe(1);
    expect(records(waiting, 'duplicate')).toBe(1);
    for (const order of [
      [awaiting, succeeded],
      [succeeded, awaiting],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      expect(sumOf(text, 'ecs_service_deployment_hooks_awaiting_action')).toBe(0);
      expect(sample(text, `ecs_service_deployment_hooks_total{${HOOK},status="succeeded"}`)).toBe(
        1,
      );
    }
  });

  it('a hook that timed out (empty resources) is counted; the service comes from detail.serviceArn', async () => {
    const text = await expositionOf(lines([timedOut, awaiting]), ARGS);
    expect(sample(text, `ecs_service_deployment_hooks_total{${HOOK},status="timed_out"}`)).toBe(1);
    expect(sumOf(text, 'ecs_service_deployment_hooks_awaiting_action')).toBe(0);
  });

  it('on a tie of updatedAt the greater status name wins', async () => {
    const tie = withDetail(
      succeeded,
      { updatedAt: (awaiting.detail as { updatedAt: string }).updatedAt },
      'tie',
    );
    for (const order of [
      [awaiting, tie],
      [tie, awaiting],
    ]) {
      const text = await expositionOf(lines(order), ARGS);
      expect(sumOf(text, 'ecs_service_deployment_hooks_awaiting_action')).toBe(0);
    }
  });

  it('a hook without its id is invalid', async () => {
    const text = await expositionOf(lines([withDetail(awaiting, { hookId: 12 }, 'x')]), ARGS);
    expect(records(text, 'invalid')).toBe(1);
  });
});

describe('service action names of 2025–2026', () => {
  it('VPC Lattice, configuration, health unknown and SERVICE_DEPLOYMENT_* names are service actions, never deployments', async () => {
    const lattice = fixtureEvent('service-action-vpc-lattice-unhealthy.json');
    const names = [
      'SERVICE_TASK_CONFIGURATION_FAILURE',
      'SERVICE_HEALTH_UNKNOWN',
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'SERVICE_DEPLOYMENT_COMPLETED',
    ];
    const events = [
      lattice,
      ...names.map((eventName, i) => withDetail(lattice, { eventName }, `n${i}`)),
    ];
    const text = await expositionOf(lines(events), ARGS);
    for (const name of ['VPC_LATTICE_TARGET_UNHEALTHY', ...names]) {
      expect(sumOf(text, 'ecs_service_action_events_total', `event_name="${name}"`), name).toBe(1);
    }
    expect(sumOf(text, 'ecs_service_deployments_total')).toBe(0);
  });
});

describe('order independence of the new kinds', () => {
  const base = NEW_FIXTURES.map((name) => fixtureEvent(name));
  const distinct: Event[] = [...base];
  const [pending, inProgress, successful, , failedToRun, , ok, gpu, , awaiting, succeeded] =
    base as Event[];
  for (let i = 1; i <= 3; i++) {
    const deployment = `arn:aws:ecs:us-west-2:123456789012:daemon-deployment/my-cluster/monitoring-agent/d${i}`;
    distinct.push(
      withDetail(
        pending as Event,
        { daemonDeploymentArn: deployment, updatedAt: `2026-03-06T10:0${i}:00.123456789Z` },
        `p${i}`,
      ),
      withDetail(
        inProgress as Event,
        { daemonDeploymentArn: deployment, updatedAt: `2026-03-06T10:0${i}:05.000000001Z` },
        `i${i}`,
      ),
      withDetail(
        successful as Event,
        {
          daemonDeploymentArn: deployment,
          eventName:
            i === 2 ? 'DAEMON_DEPLOYMENT_ROLLBACK_SUCCESSFUL' : 'DAEMON_DEPLOYMENT_SUCCESSFUL',
          updatedAt: `2026-03-06T10:1${i}:00.999999999Z`,
        },
        `s${i}`,
      ),
      withDetail(failedToRun as Event, { createdAt: `2026-03-24T12:1${i}:00.000000000Z` }, `f${i}`),
      withDetail(
        ok as Event,
        {
          overallStatus: i === 2 ? 'IMPAIRED' : 'OK',
          healthChecks: [
            {
              type: 'CONTAINER_RUNTIME',
              status: i === 2 ? 'IMPAIRED' : 'OK',
              lastStatusChange: `2026-04-11T0${i}:00:00.000Z`,
              statusReason: null,
            },
          ],
        },
        `h${i}`,
      ),
      withDetail(gpu as Event, { overallStatus: i === 3 ? 'OK' : 'IMPAIRED' }, `g${i}`),
      withDetail(
        awaiting as Event,
        { hookId: `ecs-pause-${i}`, updatedAt: `2026-05-20T11:0${i}:00.5Z` },
        `a${i}`,
      ),
      withDetail(
        succeeded as Event,
        { hookId: `ecs-pause-${i}`, updatedAt: `2026-05-20T11:0${i}:00.5Z` },
        `u${i}`,
      ),
    );
    // Events of one instance at the same time with other content: distinct records.
    (distinct[distinct.length - 4] as { time: string }).time = `2026-04-11T0${i}:00:01Z`;
    (distinct[distinct.length - 3] as { time: string }).time = `2026-04-11T0${i}:30:01Z`;
  }
  const texts = lines(distinct);

  it('any permutation, with redeliveries mixed in, gives the same exposition', async () => {
    const expected = await expositionOf(texts, ARGS);
    expect(records(expected, 'invalid')).toBe(0);
    expect(records(expected, 'duplicate')).toBe(0);
    await assertOrderIndependent(distinct, ARGS);
  });

  it('a save and restore at any point, then the rest, gives the same exposition as no restart', async () => {
    const expected = await expositionOf(texts, ARGS);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(texts, { minLength: texts.length, maxLength: texts.length }),
        fc.nat({ max: texts.length }),
        async (shuffled, cut) => {
          const before = freshCore(ARGS);
          for (const line of shuffled.slice(0, cut)) before.pipeline.handle(line);
          // Through JSON, as on disk.
          const saved = JSON.parse(JSON.stringify(captureState(before)));
          const after = freshCore(ARGS);
          restoreState(after, saved);
          const shown = async (core: typeof before) => canonicalExposition(await core.exposition());
          expect(await shown(after)).toBe(await shown(before));
          for (const line of shuffled.slice(cut)) after.pipeline.handle(line);
          expect(await shown(after)).toBe(expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
