/**
 * Fixture event in, exposition out: each task event under
 * test/fixtures/events gives the exposition pinned under
 * test/fixtures/exposition, and the contract's rules for each shape of task
 * event (stops, reasons, durations, Spot notices, managed instances).
 */
import { describe, expect, it } from 'vitest';
import { expositionOf, fixtureLine, sample, sumOf } from './helpers/exposition.js';

const SEED_LABELS =
  'aws_account_id="832665068462",aws_region="ap-northeast-1",ecs_cluster="apline-hello-cluster",ecs_service="",family="apline-hello-task-definition",launch_type="FARGATE"';

describe('fixture events → exposition', () => {
  const fixtures = [
    'task-exited.json',
    'task-failed-to-start.json',
    'task-stopped-oom.json',
    'task-stopped-image-pull-failed.json',
    'task-spot-termination-notice.json',
    'task-stopped-user-initiated.json',
    'task-stopped-external-no-stop-code.json',
    'task-stopped-health-check-managed-instances.json',
  ];
  for (const name of fixtures) {
    it(`pins the exposition of ${name}`, async () => {
      const text = await expositionOf([fixtureLine(name)]);
      await expect(text).toMatchFileSnapshot(
        `./fixtures/exposition/${name.replace('.json', '.prom')}`,
      );
    });
  }

  it('a task that ran and exited: one stop, all three durations', async () => {
    const text = await expositionOf([fixtureLine('task-exited.json')]);
    expect(
      sample(
        text,
        `ecs_task_stopped_total{${SEED_LABELS},stop_code="EssentialContainerExited",reason="essential_container_exited"}`,
      ),
    ).toBe(1);
    expect(
      sample(text, `ecs_task_state_transitions_total{${SEED_LABELS},last_status="STOPPED"}`),
    ).toBe(1);
    expect(sample(text, `ecs_task_image_pull_duration_seconds_sum{${SEED_LABELS}}`)).toBeCloseTo(
      0.802,
      6,
    );
    expect(sample(text, `ecs_task_startup_duration_seconds_sum{${SEED_LABELS}}`)).toBeCloseTo(
      16.437,
      6,
    );
    // executionStoppedAt (05:43:46.186) is 20 ms before startedAt (05:43:46.206): observed as 0.
    expect(sumOf(text, 'ecs_task_run_duration_seconds_count')).toBe(1);
    expect(sumOf(text, 'ecs_task_run_duration_seconds_sum')).toBe(0);
    expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(1);
  });

  it('a task that failed to start: resource initialisation, no durations', async () => {
    const text = await expositionOf([fixtureLine('task-failed-to-start.json')]);
    expect(
      sample(
        text,
        `ecs_task_stopped_total{${SEED_LABELS},stop_code="TaskFailedToStart",reason="resource_initialization_failed"}`,
      ),
    ).toBe(1);
    expect(sumOf(text, 'ecs_task_image_pull_duration_seconds_count')).toBe(0);
    expect(sumOf(text, 'ecs_task_startup_duration_seconds_count')).toBe(0);
    expect(sumOf(text, 'ecs_task_run_duration_seconds_count')).toBe(0);
  });

  it('an OOM kill is classed out_of_memory from the container reason', async () => {
    const text = await expositionOf([fixtureLine('task-stopped-oom.json')]);
    expect(
      sumOf(text, 'ecs_task_stopped_total', 'reason="out_of_memory"', 'ecs_service="checkout"'),
    ).toBe(1);
  });

  it('a failed pull is classed image_pull_failed and observes no pull duration', async () => {
    const text = await expositionOf([fixtureLine('task-stopped-image-pull-failed.json')]);
    expect(
      sumOf(
        text,
        'ecs_task_stopped_total',
        'reason="image_pull_failed"',
        'stop_code="TaskFailedToStart"',
      ),
    ).toBe(1);
    expect(sumOf(text, 'ecs_task_image_pull_duration_seconds_count')).toBe(0);
  });

  it('the Fargate Spot termination notice is a RUNNING transition, not a stop', async () => {
    const text = await expositionOf([fixtureLine('task-spot-termination-notice.json')]);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(0);
    expect(
      sumOf(text, 'ecs_task_state_transitions_total', 'last_status="RUNNING"', 'ecs_service="web"'),
    ).toBe(1);
    expect(sumOf(text, 'ecs_task_run_duration_seconds_count')).toBe(0);
  });

  it('EXTERNAL launch type, no stopCode, exitCode null, fractions of any length', async () => {
    const text = await expositionOf([fixtureLine('task-stopped-external-no-stop-code.json')]);
    const labels =
      'aws_account_id="832665068462",aws_region="ap-northeast-1",ecs_cluster="edge-sites",ecs_service="sensor-gateway",family="sensor-gateway",launch_type="EXTERNAL"';
    expect(
      sample(text, `ecs_task_stopped_total{${labels},stop_code="none",reason="host_lost"}`),
    ).toBe(1);
    expect(sample(text, `ecs_task_image_pull_duration_seconds_sum{${labels}}`)).toBeCloseTo(
      0.795,
      6,
    );
    expect(sample(text, `ecs_task_startup_duration_seconds_sum{${labels}}`)).toBeCloseTo(17.206, 6);
    // No executionStoppedAt: stoppedAt − startedAt = 120 s exactly.
    expect(
      sample(text, `ecs_task_run_duration_seconds_sum{${labels},stop_code="none"}`),
    ).toBeCloseTo(120, 6);
  });

  it('a user stop observes the run duration from executionStoppedAt', async () => {
    const text = await expositionOf([fixtureLine('task-stopped-user-initiated.json')]);
    expect(
      sample(text, `ecs_task_run_duration_seconds_sum{${SEED_LABELS},stop_code="UserInitiated"}`),
    ).toBeCloseTo(600, 6);
    expect(sumOf(text, 'ecs_task_stopped_total', 'reason="user_initiated"')).toBe(1);
  });

  it('MANAGED_INSTANCES and an ELB health check failure', async () => {
    const text = await expositionOf([
      fixtureLine('task-stopped-health-check-managed-instances.json'),
    ]);
    expect(
      sumOf(
        text,
        'ecs_task_stopped_total',
        'launch_type="MANAGED_INSTANCES"',
        'reason="health_check_failed"',
        'family="web"',
      ),
    ).toBe(1);
  });
});
