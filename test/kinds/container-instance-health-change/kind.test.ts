/**
 * ECS Container Instance Health Change events: check changes counted by
 * check, status and reason; the gauge at each check's latest status, ties
 * broken by status name, instances leaving at INACTIVE, odd check names
 * through a save and restore, unknown values bounded.
 */

import { describe, expect, it } from 'vitest';
import { canonicalExposition } from '../../../src/metrics/canonical-exposition.js';
import { captureState, restoreState } from '../../../src/state/durable-state.js';
import { describeFixtureExpositions, lines, records, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, freshCore, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="my-cluster"';

describeFixtureExpositions(
  [
    'container-instance-health-runtime-ok.json',
    'container-instance-health-gpu-xid.json',
    'container-instance-health-agent-disconnected.json',
  ],
  ARGS,
);

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
