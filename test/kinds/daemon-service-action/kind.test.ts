/**
 * ECS Daemon Service Action events: impaired daemon task starts counted by
 * daemon, failure type and reason class, once per (daemon, instance,
 * failure type, task, createdAt); the task id is never a label.
 */
import { describe, expect, it } from 'vitest';
import { describeFixtureExpositions, lines, records, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="123456789012",aws_region="us-west-2",ecs_cluster="my-cluster"';
const DAEMON = `${CLUSTER},daemon="monitoring-agent"`;

describeFixtureExpositions(
  ['daemon-task-failed-to-run.json', 'daemon-task-creation-failed.json'],
  ARGS,
);

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
