/**
 * The daemon deployments listed as failures: the rolled-back ones, once per
 * deployment with every rollback status seen, bounded by --recent-failures,
 * saved with the kind's state (an older state without the list restores
 * empty) and shown on /api/recent-failures.
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

const KIND = 'daemon-deployment-state-change';
const DEPLOYMENT =
  'arn:aws:ecs:us-west-2:123456789012:daemon-deployment/my-cluster/monitoring-agent';

/** A daemon deployment event of deployment `n`, with its status and event time (minutes after a base). */
function daemonEvent(n: number, status: string, minute: number, id = `${n}-${status}`): string {
  const event = fixtureEvent('daemon-deployment-rollback-failed.json');
  const detail = event.detail as Record<string, unknown>;
  event.id = id;
  event.time = `2026-03-05T16:${String(minute).padStart(2, '0')}:00Z`;
  detail.eventName = `DAEMON_DEPLOYMENT_${status.toUpperCase()}`;
  detail.daemonDeploymentArn = `${DEPLOYMENT}/d${n}`;
  detail.updatedAt = `2026-03-05T16:${String(minute).padStart(2, '0')}:00.000000001Z`;
  return JSON.stringify(event);
}

const listed = (core: Counting) => core.recentFailures()['daemon-deployments'];

describe('daemon deployment failures', () => {
  it('lists a rolled-back deployment once, with every rollback status, and no other deployment', () => {
    const core = feed(freshCore(), [
      daemonEvent(1, 'in_progress', 1),
      daemonEvent(1, 'rollback_in_progress', 2),
      daemonEvent(1, 'rollback_failed', 3),
      // Redelivered, under a new event id: a duplicate, nothing listed again.
      daemonEvent(1, 'rollback_failed', 3, 'again'),
      daemonEvent(2, 'in_progress', 4),
      daemonEvent(2, 'successful', 5),
      daemonEvent(3, 'stop_requested', 6),
      daemonEvent(3, 'stopped', 7),
    ]);
    expect(core.self.counts.records.duplicate).toBe(1);
    expect(listed(core)).toEqual([
      {
        timeMs: Date.parse('2026-03-05T16:03:00Z'),
        account: '123456789012',
        region: 'us-west-2',
        cluster: 'my-cluster',
        service: '',
        daemonDeploymentArn: `${DEPLOYMENT}/d1`,
        daemon: 'monitoring-agent',
        statuses: ['rollback_in_progress', 'rollback_failed'],
        eventName: 'DAEMON_DEPLOYMENT_ROLLBACK_FAILED',
      },
    ]);
    const json = recentFailuresJson(core.failurePage()) as Record<string, unknown[]>;
    expect(json['daemon-deployments']).toEqual([
      {
        time: '2026-03-05T16:03:00.000Z',
        account: '123456789012',
        region: 'us-west-2',
        cluster: 'my-cluster',
        service: '',
        daemon: 'monitoring-agent',
        daemonDeploymentArn: `${DEPLOYMENT}/d1`,
        statuses: ['rollback_in_progress', 'rollback_failed'],
        eventName: 'DAEMON_DEPLOYMENT_ROLLBACK_FAILED',
        consoleUrl: 'https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/my-cluster/services',
      },
    ]);
  });

  it('shows the latest rollback event whatever the order', () => {
    const events = [
      daemonEvent(1, 'rollback_successful', 9),
      daemonEvent(1, 'rollback_in_progress', 2),
    ];
    const forward = listed(feed(freshCore(), events));
    expect(listed(feed(freshCore(), [...events].reverse()))).toEqual(forward);
    expect(forward[0]).toMatchObject({
      statuses: ['rollback_in_progress', 'rollback_successful'],
      eventName: 'DAEMON_DEPLOYMENT_ROLLBACK_SUCCESSFUL',
      timeMs: Date.parse('2026-03-05T16:09:00Z'),
    });
  });

  it('keeps the newest --recent-failures deployments, in any order', () => {
    const events = [1, 2, 3, 4].map((n) => daemonEvent(n, 'rollback_failed', n));
    const limited = () =>
      createCounting({ ...replayConfig(), recentFailures: 2 }, silentLogger, undefined);
    const ids = (core: Counting) => listed(core).map((d) => d.daemonDeploymentArn.slice(-2));
    expect(ids(feed(limited(), events))).toEqual(['d4', 'd3']);
    expect(ids(feed(limited(), [...events].reverse()))).toEqual(['d4', 'd3']);
  });

  it('is saved with the state and restored; a state saved before the list restores it empty', () => {
    expectListSavedAndRestored(
      KIND,
      [daemonEvent(1, 'rollback_failed', 3), daemonEvent(2, 'rollback_successful', 4)],
      listed,
      2,
    );
  });

  it('refuses a malformed saved entry, keeping what it had', () => {
    const before = feed(freshCore(), [daemonEvent(1, 'rollback_failed', 3)]);
    const saved = JSON.parse(JSON.stringify(captureState(before))) as {
      kinds: Record<string, { recentFailures: Record<string, unknown>[] }>;
    };
    const entry = saved.kinds[KIND]?.recentFailures[0] as Record<string, unknown>;
    entry.statuses = ['successful'];
    const after = feed(freshCore(), [daemonEvent(2, 'rollback_failed', 4)]);
    expect(() => restoreState(after, saved)).toThrow(/recent daemon deployment failure/);
    expect(listed(after)).toHaveLength(1);
  });
});
