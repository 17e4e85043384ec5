/**
 * classifyStopReason: the contract's classes in the contract's order, each
 * stop reason of the table in its class, other last.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyStopReason,
  STOP_REASON_NAMES,
} from '../../../src/kinds/task-state-change/stop-reason.js';

describe('classifyStopReason', () => {
  it('keeps the contract classes first, in the contract order, and ends in other', () => {
    expect(STOP_REASON_NAMES.slice(0, 11)).toEqual([
      'image_pull_failed',
      'resource_initialization_failed',
      'out_of_memory',
      'health_check_failed',
      'container_start_failed',
      'network_provisioning_failed',
      'spot_interruption',
      'infrastructure_maintenance',
      'scaling_activity',
      'user_initiated',
      'essential_container_exited',
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
      'infrastructure_maintenance',
    ],
    ['CannotPullImageManifestError: manifest unknown', [], 'image_pull_failed'],
    [
      'Essential container in task exited',
      ['OOM-killed: container exceeded its memory limit'],
      'out_of_memory',
    ],
    ['CannotStartContainerError: exec format error', [], 'container_start_failed'],
    ['CannotCreateContainerError: no space left on device', [], 'container_start_failed'],
    ['DockerTimeoutError: Could not transition to started', [], 'container_start_failed'],
    [
      'Timeout waiting for network interface provisioning to complete.',
      [],
      'network_provisioning_failed',
    ],
    // Matching ignores case.
    ['task stopped BY USER', [], 'user_initiated'],
    ['cannotpullcontainererror: pull access denied', [], 'image_pull_failed'],
    // Contract classes come before the implementation's own.
    [
      'Host EC2 (instance i-0abc) terminated.',
      ['Essential container in task exited'],
      'essential_container_exited',
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
