import { describe, expect, it } from 'vitest';
import { classifyStopReason, STOP_REASON_NAMES } from '../../src/events/stop-reason.js';

describe('classifyStopReason', () => {
  it('keeps the four contract classes first, in the contract order, and ends in other', () => {
    expect(STOP_REASON_NAMES.slice(0, 4)).toEqual([
      'image_pull_failed',
      'resource_initialization_failed',
      'out_of_memory',
      'health_check_failed',
    ]);
    expect(STOP_REASON_NAMES.at(-1)).toBe('other');
  });

  const cases: [string | undefined, string[], string][] = [
    ['CannotPullContainerError: ref not found', [], 'image_pull_failed'],
    [
      'ResourceInitializationError: unable to pull secrets or registry auth',
      [],
      'resource_initialization_failed',
    ],
    [
      'Essential container in task exited',
      ['OutOfMemoryError: Container killed due to memory usage'],
      'out_of_memory',
    ],
    ['Task failed ELB health checks in (target-group arn:…)', [], 'health_check_failed'],
    ['Task failed container health checks', [], 'health_check_failed'],
    ['Your Spot Task was interrupted.', [], 'spot_interruption'],
    ['Scaling activity initiated by (deployment ecs-svc/123)', [], 'scaling_activity'],
    ['Task stopped by user', [], 'user_initiated'],
    ['Host EC2 (instance i-0abc) terminated.', [], 'host_lost'],
    [
      'ECS is performing maintenance on the underlying infrastructure hosting the task',
      [],
      'host_lost',
    ],
    ['Essential container in task exited', [], 'essential_container_exited'],
    ['Something new AWS says', [], 'other'],
    [undefined, [], 'other'],
    // First match wins: a pull error outranks an OOM text, whatever text it is in.
    ['OutOfMemoryError', ['CannotPullContainerError'], 'image_pull_failed'],
    [
      undefined,
      ['ResourceInitializationError: failed to validate logger args'],
      'resource_initialization_failed',
    ],
  ];
  for (const [stoppedReason, containerReasons, expected] of cases) {
    it(`${stoppedReason ?? '(none)'} + [${containerReasons.join(', ')}] → ${expected}`, () => {
      expect(classifyStopReason(stoppedReason, containerReasons)).toBe(expected);
    });
  }
});
