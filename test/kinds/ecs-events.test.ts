/**
 * The other ECS events of the metrics contract: deployments, service
 * actions, container instances, and container exit codes from task events.
 * Pins the contract's rules on fixtures written from the shapes AWS
 * documents, and checks that every rule gives the same exposition whatever
 * the order of the distinct events and however many redeliveries (same or
 * new event id) come with them.
 */
import { describe, expect, it } from 'vitest';
import { expositionOf, fixtureEvent, fixtureLine, sample, sumOf } from '../helpers/exposition.js';
import { assertOrderIndependent } from '../helpers/order-independence.js';

const ARGS = ['--stopped-task-retention', '365d'];
const SERVICE =
  'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production",ecs_service="checkout"';
const CLUSTER = 'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production"';

type Event = Record<string, unknown>;
const withDetail = (event: Event, detail: Record<string, unknown>, id: string): Event => ({
  ...event,
  id,
  detail: { ...(event.detail as Record<string, unknown>), ...detail },
});

const lines = (events: readonly Event[]) => events.map((e) => JSON.stringify(e));

describe('deployments', () => {
  const started = fixtureEvent('deployment-in-progress.json');
  const completed = fixtureEvent('deployment-completed.json');
  const rolledBack = fixtureEvent('deployment-failed-rolling-back.json');

  it('counts each outcome once per deployment and observes its duration from start to end', async () => {
    const text = await expositionOf(lines([completed, started, started, rolledBack]), ARGS);
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="started"}`)).toBe(1);
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="completed"}`)).toBe(1);
    // A circuit-breaker failure: failed and rolled back.
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="failed"}`)).toBe(1);
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="rolled_back"}`)).toBe(1);
    // 10:00:01.117 to 10:07:44.902; the failed deployment had no start event: no duration.
    expect(
      sample(text, `ecs_service_deployment_duration_seconds_sum{${SERVICE},outcome="completed"}`),
    ).toBeCloseTo(463.785, 6);
    expect(sumOf(text, 'ecs_service_deployment_duration_seconds_count')).toBe(1);
    expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(3);
    expect(sample(text, 'ecs_events_exporter_records_total{result="duplicate"}')).toBe(1);
  });

  it('a redelivery with a new event id is a duplicate: identity is the content', async () => {
    const again = { ...started, id: 'another-id' };
    const text = await expositionOf(lines([started, again]), ARGS);
    expect(sample(text, 'ecs_events_exporter_records_total{result="duplicate"}')).toBe(1);
  });

  it('an IN_PROGRESS event that says rolling back counts rolled_back, and is no start', async () => {
    const rollback = withDetail(
      started,
      {
        deploymentId: 'ecs-svc/1207745521118822913',
        reason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/65631.',
        updatedAt: '2026-11-02T11:14:07.000Z',
      },
      'rb',
    );
    const text = await expositionOf(lines([rollback, rolledBack]), ARGS);
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="rolled_back"}`)).toBe(1);
    expect(sample(text, `ecs_service_deployments_total{${SERVICE},outcome="started"}`)).toBe(1);
    expect(sumOf(text, 'ecs_service_deployment_duration_seconds_count')).toBe(0);
  });

  it('a daemon deployment is a kind of its own, never a service deployment', async () => {
    const text = await expositionOf([fixtureLine('daemon-deployment-in-progress.json')], ARGS);
    expect(sumOf(text, 'ecs_service_deployments_total')).toBe(0);
    expect(sumOf(text, 'ecs_daemon_deployments_total', 'status="in_progress"')).toBe(1);
  });

  it('a detail of the wrong shape is invalid; another ECS detail-type is ignored', async () => {
    const text = await expositionOf(
      [
        JSON.stringify({ ...started, detail: [] }),
        JSON.stringify(withDetail(started, { deploymentId: 7 }, 'x')),
        JSON.stringify(withDetail(started, { reason: { text: 'x' } }, 'y')),
        JSON.stringify({ ...started, 'detail-type': 'ECS Something New' }),
      ],
      ARGS,
    );
    expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(3);
    expect(sample(text, 'ecs_events_exporter_records_total{result="ignored"}')).toBe(1);
  });
});

describe('service actions', () => {
  const placement = fixtureEvent('service-action-placement-failure.json');
  const steady = fixtureEvent('service-action-steady-state.json');

  it('counts each action once per (service, eventName, createdAt, reason), reason none when absent', async () => {
    const later = withDetail(placement, { createdAt: '2026-11-02T12:31:21.816Z' }, 'later');
    const text = await expositionOf(
      lines([placement, { ...placement, id: 'resent' }, later, steady]),
      ARGS,
    );
    expect(
      sample(
        text,
        `ecs_service_action_events_total{${SERVICE},event_name="SERVICE_TASK_PLACEMENT_FAILURE",event_type="WARN",reason="RESOURCE:MEMORY"}`,
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        `ecs_service_action_events_total{${SERVICE},event_name="SERVICE_STEADY_STATE",event_type="INFO",reason="none"}`,
      ),
    ).toBe(1);
  });

  it('event names AWS adds later are counted, bounded: 32 new names first come, then other', async () => {
    const flood = Array.from({ length: 50 }, (_, i) =>
      withDetail(steady, { eventName: `SERVICE_SOMETHING_NEW_${i}` }, `n${i}`),
    );
    const text = await expositionOf(lines(flood), ARGS);
    const names = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('ecs_service_action_events_total{'))
        .map((l) => /event_name="([^"]*)"/.exec(l)?.[1]),
    );
    expect(names.size).toBe(33);
    expect(names.has('other')).toBe(true);
    expect(sumOf(text, 'ecs_service_action_events_total')).toBe(50);
  });
});

describe('container instances', () => {
  const disconnected = fixtureEvent('container-instance-disconnected.json');
  const at = (version: number, status: string, agentConnected: boolean, id: string) =>
    withDetail(disconnected, { version, status, agentConnected }, id);

  it('counts each (instance, version) once; the gauge follows the highest version', async () => {
    const events = [
      at(14803, 'DRAINING', true, 'c'),
      disconnected,
      at(14802, 'ACTIVE', true, 'b'),
      { ...disconnected, id: 'resent' },
    ];
    const text = await expositionOf(lines(events), ARGS);
    expect(
      sample(
        text,
        `ecs_container_instance_state_changes_total{${CLUSTER},status="ACTIVE",agent_connected="false"}`,
      ),
    ).toBe(1);
    expect(sumOf(text, 'ecs_container_instance_state_changes_total')).toBe(3);
    expect(
      sample(text, `ecs_container_instances{${CLUSTER},status="DRAINING",agent_connected="true"}`),
    ).toBe(1);
    expect(sumOf(text, 'ecs_container_instances')).toBe(1);
  });

  it('refuses a version that is not an integer and an agentConnected that is not a boolean', async () => {
    const text = await expositionOf(
      lines([
        withDetail(disconnected, { version: '3' }, 'a'),
        withDetail(disconnected, { agentConnected: 'no' }, 'b'),
      ]),
      ARGS,
    );
    expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(2);
  });
});

describe('container exit codes', () => {
  it('once per task and container, at the first event with an integer exitCode; others are other', async () => {
    const oom = fixtureEvent('task-stopped-oom.json');
    const detail = oom.detail as { containers: Record<string, unknown>[]; version: number };
    const sidecar = { ...detail.containers[0], name: 'log-router', exitCode: 3 };
    const earlier = {
      ...oom,
      id: 'earlier',
      detail: { ...detail, version: detail.version - 1, containers: [sidecar] },
    };
    const stopped = {
      ...oom,
      detail: { ...detail, containers: [...detail.containers, { ...sidecar, exitCode: 0 }] },
    };
    const text = await expositionOf(lines([stopped, earlier, { ...stopped, id: 'x' }]), ARGS);
    // Counted exits; exit code 137 of each container exists from its first exit, at 0 until one.
    const exits = text
      .split('\n')
      .filter((l) => l.startsWith('ecs_container_exits_total{') && !l.endsWith(' 0'));
    expect(exits).toHaveLength(2);
    expect(text).toMatch(/container_name="log-router",exit_code="137"\} 0$/m);
    expect(exits.find((l) => l.includes('container_name="alpine-hello"'))).toMatch(
      /exit_code="137"\} 1$/,
    );
    // The stopped event came first: its exit code 0 for the sidecar is the one counted.
    expect(exits.find((l) => l.includes('container_name="log-router"'))).toMatch(
      /exit_code="0"\} 1$/,
    );
    const other = await expositionOf(lines([earlier]), ARGS);
    expect(other).toMatch(/container_name="log-router",exit_code="other"\} 1$/m);
  });
});

describe('order independence of the other ECS events', () => {
  const base = [
    fixtureEvent('deployment-in-progress.json'),
    fixtureEvent('deployment-completed.json'),
    fixtureEvent('deployment-failed-rolling-back.json'),
    fixtureEvent('service-action-placement-failure.json'),
    fixtureEvent('service-action-steady-state.json'),
    fixtureEvent('container-instance-disconnected.json'),
  ];
  // More distinct events: other deployments, actions and instance versions.
  const distinct: Event[] = [...base];
  for (let i = 1; i <= 4; i++) {
    distinct.push(
      withDetail(
        base[0] as Event,
        { deploymentId: `ecs-svc/${i}`, updatedAt: `2026-11-02T10:0${i}:00.000Z` },
        `s${i}`,
      ),
      withDetail(
        base[1] as Event,
        { deploymentId: `ecs-svc/${i}`, updatedAt: `2026-11-02T10:1${i}:30.500Z` },
        `c${i}`,
      ),
      withDetail(
        base[3] as Event,
        {
          createdAt: `2026-11-02T12:3${i}:00.000Z`,
          reason: i % 2 ? 'RESOURCE:CPU' : 'RESOURCE:MEMORY',
        },
        `a${i}`,
      ),
      withDetail(
        base[5] as Event,
        {
          version: 14801 + i,
          status: i === 4 ? 'DRAINING' : 'ACTIVE',
          agentConnected: i % 2 === 0,
        },
        `v${i}`,
      ),
    );
  }

  it('any permutation, with redeliveries mixed in, gives the same exposition', async () => {
    await assertOrderIndependent(distinct, ARGS);
  });
});

describe('many accounts and regions', () => {
  it('keeps two accounts’ clusters of the same name apart, on task metrics too', async () => {
    const task = fixtureEvent('task-exited.json');
    const detail = task.detail as Record<string, unknown>;
    const other: Event = {
      ...task,
      id: 'other',
      account: '999999999999',
      region: 'eu-west-1',
      detail: { ...detail, taskArn: `${detail.taskArn as string}-2` },
    };
    const text = await expositionOf([fixtureLine('task-exited.json'), JSON.stringify(other)], ARGS);
    const stopped = text
      .split('\n')
      .filter((l) => l.startsWith('ecs_task_stopped_total{') && / 1$/.test(l));
    expect(stopped).toHaveLength(2);
    expect(
      stopped.some((l) => l.includes('aws_account_id="999999999999",aws_region="eu-west-1"')),
    ).toBe(true);
  });
});

describe('the new labels under a flood', () => {
  it('accounts and container names fold into _other_ past the cap, regions and exit codes keep their values, totals stay exact', async () => {
    const oom = fixtureEvent('task-stopped-oom.json');
    const detail = oom.detail as { containers: Record<string, unknown>[]; taskArn: string };
    const flood = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        ...oom,
        id: `flood-${i}`,
        account: String(100000000000 + i),
        region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
        detail: {
          ...detail,
          taskArn: `${detail.taskArn}-${i}`,
          containers: [
            { ...detail.containers[0], name: `container-${i}`, exitCode: i % 3 === 0 ? 137 : 1 },
          ],
        },
      }),
    );
    const text = await expositionOf(flood, [...ARGS, '--max-series-per-metric', '40']);
    const exits = text.split('\n').filter((l) => l.startsWith('ecs_container_exits_total{'));
    expect(exits.length).toBeLessThanOrEqual(40 + 4);
    expect(sumOf(text, 'ecs_container_exits_total')).toBe(300);
    expect(sumOf(text, 'ecs_container_exits_total', 'exit_code="137"')).toBe(100);
    expect(sumOf(text, 'ecs_task_stopped_total', 'aws_region="eu-west-1"')).toBe(150);
    const folded = exits.filter((l) => l.includes('aws_account_id="_other_"'));
    expect(folded.length).toBeGreaterThan(0);
    for (const line of folded) expect(line).toContain('container_name="_other_"');
  });
});
