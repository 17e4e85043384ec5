/**
 * ECS Deployment State Change events of service deployments: each outcome
 * counted once per deployment, the duration from start to end, rollbacks,
 * identity by content, and the records refused.
 */
import { describe, expect, it } from 'vitest';
import { lines, withDetail } from '../../helpers/events.js';
import {
  expositionOf,
  fixtureEvent,
  fixtureLine,
  sample,
  sumOf,
} from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const SERVICE =
  'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production",ecs_service="checkout"';

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
