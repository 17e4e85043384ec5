/**
 * ECS deployment lifecycle hook events: each status counted once per hook,
 * the awaiting-action gauge following the latest by updatedAt (ties to the
 * greater status name), the service from detail.serviceArn.
 */
import { describe, expect, it } from 'vitest';
import { describeFixtureExpositions, lines, records, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="my-cluster"';
const SERVICE = `${CLUSTER},ecs_service="checkout"`;

describeFixtureExpositions(
  ['hook-awaiting-action.json', 'hook-succeeded.json', 'hook-timed-out.json'],
  ARGS,
);

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
