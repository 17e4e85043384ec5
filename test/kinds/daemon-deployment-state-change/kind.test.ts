/**
 * ECS Daemon Deployment State Change events (managed daemons, 2025–2026):
 * each status counted once per deployment, the duration from the earliest
 * start to the earliest end read to the millisecond, unknown names bounded,
 * and the records refused. Fixtures follow the shapes the ECS developer
 * guide documents (nine-digit fractions, empty `resources`).
 */
import { describe, expect, it } from 'vitest';
import { describeFixtureExpositions, lines, records, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="my-cluster"';
const DAEMON = `${CLUSTER},daemon="monitoring-agent"`;

describeFixtureExpositions(
  [
    'daemon-deployment-pending.json',
    'daemon-deployment-in-progress.json',
    'daemon-deployment-successful.json',
    'daemon-deployment-rollback-failed.json',
  ],
  ARGS,
);

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
