/**
 * ECS Service Action events: each action counted once per (service, event
 * name, createdAt, reason), event names AWS adds later kept bounded, and the
 * names of 2025–2026 that are service actions, never deployments.
 */
import { describe, expect, it } from 'vitest';
import { describeFixtureExpositions, lines, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const SERVICE =
  'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production",ecs_service="checkout"';

describeFixtureExpositions(['service-action-vpc-lattice-unhealthy.json'], ARGS);

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
