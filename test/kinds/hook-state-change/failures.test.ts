/**
 * The hooks listed as failures: a hook whose status is failed, once per
 * hook execution (hookId), its latest failed event shown, bounded by
 * --recent-failures, saved with the kind's state (an older state without
 * the list restores empty) and shown on /api/recent-failures.
 */
import { describe, expect, it } from 'vitest';
import { type Counting, createCounting } from '../../../src/counting.js';
import { recentFailuresJson } from '../../../src/http/landing-page.js';
import { captureState, restoreState } from '../../../src/state/durable-state.js';
import {
  feed,
  fixtureEvent,
  freshCore,
  replayConfig,
  silentLogger,
} from '../../helpers/exposition.js';
import { expectListSavedAndRestored } from '../../helpers/failure-lists.js';

const KIND = 'hook-state-change';

/** A hook event of hook `n`, with its status and event time (minutes after a base). */
function hookEvent(
  n: number,
  status: string,
  minute: number,
  id = `${n}-${status}-${minute}`,
): string {
  const event = fixtureEvent('hook-timed-out.json');
  const detail = event.detail as Record<string, unknown>;
  const at = `2026-05-20T10:${String(minute).padStart(2, '0')}:00`;
  event.id = id;
  event.time = `${at}Z`;
  detail.eventName = `HOOK_${status.toUpperCase()}`;
  detail.hookId = `ecs-lambda-${n}`;
  detail.hookType = 'AWS_LAMBDA';
  detail.updatedAt = `${at}.000000000Z`;
  return JSON.stringify(event);
}

const listed = (core: Counting) => core.recentFailures().hooks;

describe('hook failures', () => {
  it('lists a failed hook once, and no hook that succeeded or timed out', () => {
    const core = feed(freshCore(), [
      hookEvent(1, 'in_progress', 1),
      hookEvent(1, 'failed', 2),
      // Redelivered, under a new event id: a duplicate, nothing listed again.
      hookEvent(1, 'failed', 2, 'again'),
      hookEvent(2, 'succeeded', 3),
      hookEvent(3, 'awaiting_action', 4),
      hookEvent(3, 'timed_out', 5),
    ]);
    expect(core.self.counts.records.duplicate).toBe(1);
    expect(listed(core)).toEqual([
      {
        timeMs: Date.parse('2026-05-20T10:02:00Z'),
        account: '123456789012',
        region: 'us-west-2',
        cluster: 'my-cluster',
        service: 'checkout',
        hookId: 'ecs-lambda-1',
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        hookType: 'AWS_LAMBDA',
        serviceDeploymentArn:
          'arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/checkout/Hk2vJ5tEXAMPLE',
      },
    ]);
    const json = recentFailuresJson(core.failurePage()) as Record<string, unknown[]>;
    expect(json.hooks).toEqual([
      {
        time: '2026-05-20T10:02:00.000Z',
        account: '123456789012',
        region: 'us-west-2',
        cluster: 'my-cluster',
        service: 'checkout',
        hookId: 'ecs-lambda-1',
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        hookType: 'AWS_LAMBDA',
        serviceDeploymentArn:
          'arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/checkout/Hk2vJ5tEXAMPLE',
        status: 'failed',
        consoleUrl:
          'https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/my-cluster/services/checkout/deployments',
      },
    ]);
  });

  it('shows the latest failed event of a hook whatever the order', () => {
    const events = [hookEvent(1, 'failed', 9), hookEvent(1, 'failed', 2)];
    const forward = listed(feed(freshCore(), events));
    expect(listed(feed(freshCore(), [...events].reverse()))).toEqual(forward);
    expect(forward).toHaveLength(1);
    expect(forward[0]?.timeMs).toBe(Date.parse('2026-05-20T10:09:00Z'));
  });

  it('keeps the newest --recent-failures hooks, in any order', () => {
    const events = [1, 2, 3, 4].map((n) => hookEvent(n, 'failed', n));
    const limited = () =>
      createCounting({ ...replayConfig(), recentFailures: 2 }, silentLogger, undefined);
    const ids = (core: Counting) => listed(core).map((h) => h.hookId);
    expect(ids(feed(limited(), events))).toEqual(['ecs-lambda-4', 'ecs-lambda-3']);
    expect(ids(feed(limited(), [...events].reverse()))).toEqual(['ecs-lambda-4', 'ecs-lambda-3']);
  });

  it('is saved with the state and restored; a state saved before the list restores it empty', () => {
    expectListSavedAndRestored(
      KIND,
      [hookEvent(1, 'failed', 3), hookEvent(2, 'failed', 4)],
      listed,
      2,
    );
  });

  it('refuses a malformed saved entry, keeping what it had', () => {
    const before = feed(freshCore(), [hookEvent(1, 'failed', 3)]);
    const saved = JSON.parse(JSON.stringify(captureState(before))) as {
      kinds: Record<string, { recentFailures: Record<string, unknown>[] }>;
    };
    delete saved.kinds[KIND]?.recentFailures[0]?.hookId;
    const after = feed(freshCore(), [hookEvent(2, 'failed', 4)]);
    expect(() => restoreState(after, saved)).toThrow(/recent hook failure/);
    expect(listed(after)).toHaveLength(1);
  });
});
