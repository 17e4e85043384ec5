/**
 * The property every kind's rules hold together, checked over the events of
 * all kinds but tasks (those have their own, test/kinds/task-state-change):
 * the distinct events in any order, with redeliveries mixed in, give the same
 * exposition and the same recent failures; for the kinds of 2025–2026 also a
 * save and restore at any point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recentFailuresJson } from '../../src/http/landing-page.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { type Event, lines, records, withDetail } from '../helpers/events.js';
import { expositionOf, fixtureEvent, freshCore } from '../helpers/exposition.js';
import { assertOrderIndependent } from '../helpers/order-independence.js';

const ARGS = ['--stopped-task-retention', '365d'];

const NEW_FIXTURES = [
  'daemon-deployment-pending.json',
  'daemon-deployment-in-progress.json',
  'daemon-deployment-successful.json',
  'daemon-deployment-rollback-failed.json',
  'daemon-task-failed-to-run.json',
  'daemon-task-creation-failed.json',
  'container-instance-health-runtime-ok.json',
  'container-instance-health-gpu-xid.json',
  'container-instance-health-agent-disconnected.json',
  'hook-awaiting-action.json',
  'hook-succeeded.json',
  'hook-timed-out.json',
  'service-action-vpc-lattice-unhealthy.json',
];

describe('order independence of the other ECS events', () => {
  const base = [
    fixtureEvent('deployment-in-progress.json'),
    fixtureEvent('deployment-completed.json'),
    fixtureEvent('deployment-failed-rolling-back.json'),
    fixtureEvent('service-action-placement-failure.json'),
    fixtureEvent('service-action-steady-state.json'),
    fixtureEvent('container-instance-disconnected.json'),
  ];
  // More distinct events: other deployments, actions and instance versions.
  const distinct: Event[] = [...base];
  for (let i = 1; i <= 4; i++) {
    distinct.push(
      withDetail(
        base[0] as Event,
        { deploymentId: `ecs-svc/${i}`, updatedAt: `2026-11-02T10:0${i}:00.000Z` },
        `s${i}`,
      ),
      withDetail(
        base[1] as Event,
        { deploymentId: `ecs-svc/${i}`, updatedAt: `2026-11-02T10:1${i}:30.500Z` },
        `c${i}`,
      ),
      withDetail(
        base[3] as Event,
        {
          createdAt: `2026-11-02T12:3${i}:00.000Z`,
          reason: i % 2 ? 'RESOURCE:CPU' : 'RESOURCE:MEMORY',
        },
        `a${i}`,
      ),
      withDetail(
        base[5] as Event,
        {
          version: 14801 + i,
          status: i === 4 ? 'DRAINING' : 'ACTIVE',
          agentConnected: i % 2 === 0,
        },
        `v${i}`,
      ),
    );
  }

  it('any permutation, with redeliveries mixed in, gives the same exposition', async () => {
    await assertOrderIndependent(distinct, ARGS);
  });
});

describe('order independence of the new kinds', () => {
  const base = NEW_FIXTURES.map((name) => fixtureEvent(name));
  const distinct: Event[] = [...base];
  const [pending, inProgress, successful, , failedToRun, , ok, gpu, , awaiting, succeeded] =
    base as Event[];
  for (let i = 1; i <= 3; i++) {
    const deployment = `arn:aws:ecs:us-west-2:123456789012:daemon-deployment/my-cluster/monitoring-agent/d${i}`;
    distinct.push(
      withDetail(
        pending as Event,
        { daemonDeploymentArn: deployment, updatedAt: `2026-03-06T10:0${i}:00.123456789Z` },
        `p${i}`,
      ),
      withDetail(
        inProgress as Event,
        { daemonDeploymentArn: deployment, updatedAt: `2026-03-06T10:0${i}:05.000000001Z` },
        `i${i}`,
      ),
      withDetail(
        successful as Event,
        {
          daemonDeploymentArn: deployment,
          eventName:
            i === 2 ? 'DAEMON_DEPLOYMENT_ROLLBACK_SUCCESSFUL' : 'DAEMON_DEPLOYMENT_SUCCESSFUL',
          updatedAt: `2026-03-06T10:1${i}:00.999999999Z`,
        },
        `s${i}`,
      ),
      withDetail(failedToRun as Event, { createdAt: `2026-03-24T12:1${i}:00.000000000Z` }, `f${i}`),
      withDetail(
        ok as Event,
        {
          overallStatus: i === 2 ? 'IMPAIRED' : 'OK',
          healthChecks: [
            {
              type: 'CONTAINER_RUNTIME',
              status: i === 2 ? 'IMPAIRED' : 'OK',
              lastStatusChange: `2026-04-11T0${i}:00:00.000Z`,
              statusReason: null,
            },
          ],
        },
        `h${i}`,
      ),
      withDetail(gpu as Event, { overallStatus: i === 3 ? 'OK' : 'IMPAIRED' }, `g${i}`),
      withDetail(
        awaiting as Event,
        { hookId: `ecs-pause-${i}`, updatedAt: `2026-05-20T11:0${i}:00.5Z` },
        `a${i}`,
      ),
      withDetail(
        succeeded as Event,
        { hookId: `ecs-pause-${i}`, updatedAt: `2026-05-20T11:0${i}:00.5Z` },
        `u${i}`,
      ),
    );
    // Events of one instance at the same time with other content: distinct records.
    (distinct[distinct.length - 4] as { time: string }).time = `2026-04-11T0${i}:00:01Z`;
    (distinct[distinct.length - 3] as { time: string }).time = `2026-04-11T0${i}:30:01Z`;
  }
  // Failures the page lists: a deployment rolling back then rolled back, failed
  // hooks, one of them failing twice (its later event is listed whatever comes first).
  const rollingBack = `arn:aws:ecs:us-west-2:123456789012:daemon-deployment/my-cluster/monitoring-agent/d2`;
  distinct.push(
    withDetail(
      pending as Event,
      {
        daemonDeploymentArn: rollingBack,
        eventName: 'DAEMON_DEPLOYMENT_ROLLBACK_IN_PROGRESS',
        updatedAt: '2026-03-06T10:09:00.000000000Z',
      },
      'rb',
    ),
  );
  for (let i = 1; i <= 3; i++) {
    distinct.push(
      withDetail(
        awaiting as Event,
        {
          eventName: 'HOOK_FAILED',
          hookId: `ecs-lambda-${i}`,
          hookType: 'AWS_LAMBDA',
          lifecycleStage: i === 2 ? 'PRE_SCALE_UP' : 'POST_TEST_TRAFFIC_SHIFT',
          updatedAt: `2026-05-20T12:0${i}:00.5Z`,
        },
        `hf${i}`,
      ),
    );
  }
  distinct.push(
    withDetail(
      awaiting as Event,
      {
        eventName: 'HOOK_FAILED',
        hookId: 'ecs-lambda-1',
        hookType: 'AWS_LAMBDA',
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        serviceDeploymentArn:
          'arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/checkout/retry',
        updatedAt: '2026-05-20T12:05:00.5Z',
      },
      'hf1-again',
    ),
  );
  (distinct[distinct.length - 1] as { time: string }).time = '2026-05-20T12:05:01Z';
  const texts = lines(distinct);

  it('any permutation, with redeliveries mixed in, gives the same exposition', async () => {
    const expected = await expositionOf(texts, ARGS);
    expect(records(expected, 'invalid')).toBe(0);
    expect(records(expected, 'duplicate')).toBe(0);
    // The property is not empty: both new lists hold entries.
    const core = freshCore(ARGS);
    for (const line of texts) core.pipeline.handle(line);
    const page = recentFailuresJson(core.failurePage()) as Record<string, unknown[]>;
    expect(page['daemon-deployments']).toHaveLength(2);
    expect(page.hooks).toHaveLength(3);
    await assertOrderIndependent(distinct, ARGS);
  });

  it('a save and restore at any point, then the rest, gives the same exposition and recent failures as no restart', async () => {
    const expected = await expositionOf(texts, ARGS);
    const whole = freshCore(ARGS);
    for (const line of texts) whole.pipeline.handle(line);
    const expectedPage = JSON.stringify(recentFailuresJson(whole.failurePage()));
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(texts, { minLength: texts.length, maxLength: texts.length }),
        fc.nat({ max: texts.length }),
        async (shuffled, cut) => {
          const before = freshCore(ARGS);
          for (const line of shuffled.slice(0, cut)) before.pipeline.handle(line);
          // Through JSON, as on disk.
          const saved = JSON.parse(JSON.stringify(captureState(before)));
          const after = freshCore(ARGS);
          restoreState(after, saved);
          const shown = async (core: typeof before) => canonicalExposition(await core.exposition());
          const page = (core: typeof before) =>
            JSON.stringify(recentFailuresJson(core.failurePage()));
          expect(await shown(after)).toBe(await shown(before));
          expect(page(after)).toBe(page(before));
          for (const line of shuffled.slice(cut)) after.pipeline.handle(line);
          expect(await shown(after)).toBe(expected);
          expect(page(after)).toBe(expectedPage);
        },
      ),
      { numRuns: 30 },
    );
  });
});
