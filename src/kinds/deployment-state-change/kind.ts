/**
 * "ECS Deployment State Change": service deployments by
 * outcome, once per (deploymentId, outcome), and how long each took, from
 * its start to its first end, observed once whatever the order in which the
 * two arrive. A record's identity is its content (deploymentId, eventName,
 * updatedAt, reason): redeliveries with a new event id are duplicates.
 */
import { counter, gauge, histogram, type MetricSpec } from '../../metrics/metric-spec.js';
import { type LabelValues, labelValues } from '../../metrics/series-store.js';
import { type Detail, eventTimeMs, serviceLabels, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import type { EventKind, KindResult, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart, listPart } from '../kind-state.js';
import { OldestSince } from '../oldest-since.js';
import { parseTime } from '../parse-time.js';
import { RecentList } from '../recent-failures.js';
import { SAMPLE_SERVICE_ARN, sample } from '../sample-event.js';
import { observable } from '../task-state-change/tracker.js';
import { DEPLOYMENT_EPISODES } from './episodes.js';
import {
  DEPLOYMENT_FAILURES,
  listDeploymentFailure,
  type RecentDeploymentFailure,
} from './failures.js';

export const SERVICE_DEPLOYMENTS = 'ecs_service_deployments_total';
export const SERVICE_DEPLOYMENT_DURATION = 'ecs_service_deployment_duration_seconds';
export const SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE =
  'ecs_service_deployment_in_progress_since_timestamp_seconds';

const SERVICE_LABELS = ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service'] as const;

export const DEPLOYMENT_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    SERVICE_DEPLOYMENTS,
    [...SERVICE_LABELS, 'outcome'],
    'Service deployments by outcome (started, completed, failed, rolled_back), once per deployment and outcome.',
  ),
  histogram(
    'ecs',
    SERVICE_DEPLOYMENT_DURATION,
    [...SERVICE_LABELS, 'outcome'],
    [30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800],
    'Time from the start of a deployment (its first IN_PROGRESS event not rolling back) to its end (COMPLETED or FAILED), by updatedAt, once per deployment.',
  ),
  gauge(
    'ecs',
    SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE,
    [...SERVICE_LABELS],
    'The start (updatedAt of its first IN_PROGRESS event not rolling back) of the oldest deployment of the service that has neither COMPLETED nor FAILED, in seconds since the epoch; absent when there is none. A deployment with no event for the retention (24 h by default) is forgotten and leaves it.',
  ),
];

export const OUTCOMES = ['started', 'completed', 'failed', 'rolled_back'] as const;

/** Outcomes whose series are born at 0 with the service's first deployment event. */
export const WATCHED_OUTCOMES = ['failed', 'rolled_back'] as const;
type Outcome = (typeof OUTCOMES)[number];

/** What is kept per deployment: outcomes counted (bits of OUTCOMES), start and end. */
interface Deployment {
  /** Bit i set: OUTCOMES[i] counted. */
  o: number;
  /** updatedAt of the start, ms; null before it arrived. */
  s: number | null;
  /** updatedAt of the first end, ms, and its outcome. */
  e: number | null;
  eo: 'completed' | 'failed' | null;
  /** Duration observed (or found unobservable). */
  d: boolean;
  /** The service's labels (absent in states saved before the in-progress gauge). */
  l?: string[];
}

/** Started and not ended: shown in the in-progress gauge. */
const inProgress = (d: Deployment): boolean => d.s !== null && d.e === null;

function readDeployment(value: unknown): Deployment {
  const d = value as Deployment;
  const time = (t: unknown) => t === null || (typeof t === 'number' && Number.isFinite(t));
  if (
    typeof d !== 'object' ||
    d === null ||
    !Number.isInteger(d.o) ||
    d.o < 0 ||
    d.o >= 1 << OUTCOMES.length ||
    !time(d.s) ||
    !time(d.e) ||
    !(d.eo === null || d.eo === 'completed' || d.eo === 'failed') ||
    typeof d.d !== 'boolean' ||
    !(
      d.l === undefined ||
      (Array.isArray(d.l) &&
        d.l.length === SERVICE_LABELS.length &&
        d.l.every((v) => typeof v === 'string'))
    )
  ) {
    throw new Error('deployment state is malformed');
  }
  return {
    o: d.o,
    s: d.s,
    e: d.e,
    eo: d.eo,
    d: d.d,
    ...(d.l === undefined ? {} : { l: [...d.l] }),
  };
}

const ROLLING_BACK = /rolling back/i;

/** The outcomes an event stands for, by its name's ending. */
function outcomesOf(eventName: string, reason: string): Outcome[] {
  const out: Outcome[] = [];
  const inProgress = eventName.endsWith('DEPLOYMENT_IN_PROGRESS');
  const failed = eventName.endsWith('DEPLOYMENT_FAILED');
  if (inProgress) out.push('started');
  if (eventName.endsWith('DEPLOYMENT_COMPLETED')) out.push('completed');
  if (failed) out.push('failed');
  if ((inProgress || failed) && ROLLING_BACK.test(reason)) out.push('rolled_back');
  return out;
}

export const DEPLOYMENT_DETAIL_TYPE = 'ECS Deployment State Change';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('deployment-in-progress', DEPLOYMENT_DETAIL_TYPE, [SAMPLE_SERVICE_ARN], {
    eventType: 'INFO',
    eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
    deploymentId: 'ecs-svc/7390162812438129376',
    updatedAt: '2024-03-04T10:30:00.012Z',
    reason: 'ECS deployment ecs-svc/7390162812438129376 in progress.',
  }),
];

export const DEPLOYMENT_STATE_CHANGE: EventKind<RecentDeploymentFailure, 'deployments'> = {
  name: 'deployment-state-change',
  source: 'aws.ecs',
  detailTypes: [DEPLOYMENT_DETAIL_TYPE],
  metrics: DEPLOYMENT_METRICS,
  failures: DEPLOYMENT_FAILURES,
  create(context): KindState<RecentDeploymentFailure> {
    const options = ledgerOptions(context);
    const identities = new EventTimeLedger<0>(options);
    const deployments = new EventTimeLedger<Deployment>(options);
    const store = context.store;
    const counted = store.family(SERVICE_DEPLOYMENTS);
    const durations = store.family(SERVICE_DEPLOYMENT_DURATION);
    const since = store.family(SERVICE_DEPLOYMENT_IN_PROGRESS_SINCE);
    const open = new OldestSince((labels, seconds) => store.set(since, labels, [], seconds));
    /** The service labels of a deployment, interned per service. */
    const labelsOf = (d: Deployment): LabelValues | undefined =>
      d.l === undefined ? undefined : labelValues(d.l);
    deployments.onDrop = (_key, dropped) => {
      const labels = labelsOf(dropped);
      if (labels !== undefined && inProgress(dropped)) open.remove(labels, dropped.s as number);
    };
    const recent = new RecentList(context.recentFailures, DEPLOYMENT_FAILURES.keyOf);
    const apply = (event: Record<string, unknown>, detail: Detail): KindResult => {
      const { eventName, deploymentId } = detail;
      if (typeof eventName !== 'string') return { invalid: 'detail.eventName is not a string' };
      if (typeof deploymentId !== 'string') {
        return { invalid: 'detail.deploymentId is not a string' };
      }
      const problem = wrongType(detail, ['updatedAt', 'reason', 'eventType', 'clusterArn']);
      if (problem !== undefined) return { invalid: problem };
      const updatedAt = typeof detail.updatedAt === 'string' ? detail.updatedAt : '';
      const reason = typeof detail.reason === 'string' ? detail.reason : '';
      const atMs = eventTimeMs(event);
      context.store.advance(atMs);
      const identity = JSON.stringify([deploymentId, eventName, updatedAt, reason]);
      if (identities.seen(identity, atMs)) return 'duplicate';
      const labels = serviceLabels(event, detail);
      // The outcomes alerts watch exist at 0 from a service's first deployment event,
      // so its first failure is an increase (the start usually comes a scrape earlier).
      for (const watched of WATCHED_OUTCOMES) store.ensure(counted, labels, [watched]);
      const state = deployments.get(deploymentId) ?? {
        o: 0,
        s: null,
        e: null,
        eo: null,
        d: false,
      };
      const wasOpen = inProgress(state) && state.l !== undefined;
      const openSince = state.s;
      state.l ??= [...labels.values];
      const outcomes = outcomesOf(eventName, reason);
      const failures: Outcome[] = [];
      for (const outcome of outcomes) {
        const bit = 1 << OUTCOMES.indexOf(outcome);
        if ((state.o & bit) === 0) {
          state.o |= bit;
          store.inc(counted, labels, [outcome]);
          if (outcome === 'failed' || outcome === 'rolled_back') failures.push(outcome);
        }
      }
      if (failures.length > 0) {
        listDeploymentFailure(recent, labels, deploymentId, failures, atMs, eventName, reason);
      }
      const updatedMs = parseTime(updatedAt);
      if (Number.isFinite(updatedMs)) {
        if (outcomes.includes('started') && !outcomes.includes('rolled_back') && state.s === null) {
          state.s = updatedMs;
        }
        const end = outcomes.includes('completed')
          ? 'completed'
          : outcomes.includes('failed')
            ? 'failed'
            : null;
        if (end !== null && state.e === null) {
          state.e = updatedMs;
          state.eo = end;
        }
      }
      if (!state.d && state.s !== null && state.e !== null && state.eo !== null) {
        state.d = true;
        const ms = observable(state.e - state.s);
        if (!Number.isNaN(ms)) store.observe(durations, labels, [state.eo], ms);
      }
      if (wasOpen !== inProgress(state)) {
        if (wasOpen) open.remove(labels, openSince as number);
        else open.add(labels, state.s as number);
      }
      deployments.set(deploymentId, state, atMs);
      return 'processed';
    };
    return kindState<RecentDeploymentFailure>(
      'deployment',
      {
        identities: ledgerPart(identities, seenMark('deployment identity')),
        deployments: ledgerPart(deployments, readDeployment),
        // Absent in states saved before failures were listed: the list starts empty.
        recentFailures: listPart(recent, DEPLOYMENT_FAILURES.read),
      },
      apply,
      {
        recentFailures: () => recent.entries,
        restored() {
          const entries: [LabelValues, number][] = [];
          for (const d of deployments.values()) {
            const labels = labelsOf(d);
            if (labels !== undefined && inProgress(d)) entries.push([labels, d.s as number]);
          }
          open.restore(entries);
        },
      },
    );
  },
  samples: () => SAMPLES,
  episodes: DEPLOYMENT_EPISODES,
};
