/**
 * "ECS Daemon Deployment State Change" (ECS Managed Daemons): daemon
 * deployments by status, once per (daemonDeploymentArn, status), and how
 * long each took, from the earliest PENDING or IN_PROGRESS `updatedAt` to
 * the earliest terminal one. Both ends are minima over the deployment's
 * events, so the duration is exact in any order of arrival: when a late
 * event moves an end, the observation made from the earlier ends is taken
 * back and the new one made. A record's identity is its content
 * (daemonDeploymentArn, eventName, updatedAt): redeliveries with a new
 * event id are duplicates.
 */
import { counter, histogram, type MetricSpec } from '../../metrics/metric-spec.js';
import { labelValues } from '../../metrics/series-store.js';
import { clusterLabels, eventTimeMs, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart, listPart } from '../kind-state.js';
import { boundLabelValue, clusterName } from '../label-values.js';
import { KNOWN_DAEMON_DEPLOYMENT_STATUSES } from '../labels.js';
import { parseTime } from '../parse-time.js';
import { RecentList } from '../recent-failures.js';
import { SAMPLE_CLUSTER_ARN, sample, sampleArn } from '../sample-event.js';
import { observable } from '../task-state-change/tracker.js';
import { DAEMON_DEPLOYMENT_EPISODES } from './episodes.js';
import {
  DAEMON_DEPLOYMENT_FAILURES,
  listDaemonDeploymentFailure,
  type RecentDaemonDeploymentFailure,
} from './failures.js';

export const DAEMON_DEPLOYMENTS = 'ecs_daemon_deployments_total';
export const DAEMON_DEPLOYMENT_DURATION = 'ecs_daemon_deployment_duration_seconds';

const DAEMON_LABELS = ['aws_account_id', 'aws_region', 'ecs_cluster', 'daemon'] as const;

const DAEMON_DEPLOYMENT_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    DAEMON_DEPLOYMENTS,
    [...DAEMON_LABELS, 'status'],
    'Daemon deployments by status (pending, in_progress, successful, stopped, stop_requested, rollback_in_progress, rollback_successful, rollback_failed), once per deployment and status.',
  ),
  histogram(
    'ecs',
    DAEMON_DEPLOYMENT_DURATION,
    [...DAEMON_LABELS, 'outcome'],
    [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 21600],
    'Time from the earliest PENDING or IN_PROGRESS updatedAt of a daemon deployment to its earliest terminal one (successful, stopped, rollback_successful, rollback_failed: the outcome), once per deployment.',
  ),
];

const PREFIX = 'DAEMON_DEPLOYMENT_';
const STARTS = new Set(['pending', 'in_progress']);
const TERMINALS = new Set(['successful', 'stopped', 'rollback_successful', 'rollback_failed']);
/** Statuses remembered per deployment; names ECS adds later beyond these are counted again. */
const MAX_STATUSES = 16;

/** `DAEMON_DEPLOYMENT_ROLLBACK_FAILED` → `rollback_failed`; another name, lower case. */
function daemonDeploymentStatus(eventName: string): string {
  const name = eventName.startsWith(PREFIX) ? eventName.slice(PREFIX.length) : eventName;
  return boundLabelValue(name.toLowerCase());
}

/** What is kept per deployment. */
interface Deployment {
  /** Statuses counted. */
  c: string[];
  /** Earliest start updatedAt (ms), or null. */
  s: number | null;
  /** Earliest terminal updatedAt (ms) and its status, or null. */
  e: number | null;
  eo: string | null;
  /** The observation made: ms, outcome and labels; null when none stands. */
  ob: [ms: number, outcome: string, labels: string[]] | null;
}

function readDeployment(value: unknown): Deployment {
  const d = value as Deployment;
  const time = (t: unknown) => t === null || (typeof t === 'number' && Number.isFinite(t));
  const strings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string');
  if (
    typeof d !== 'object' ||
    d === null ||
    !strings(d.c) ||
    d.c.length > MAX_STATUSES ||
    !time(d.s) ||
    !time(d.e) ||
    !(d.eo === null || typeof d.eo === 'string') ||
    !(
      d.ob === null ||
      (Array.isArray(d.ob) &&
        d.ob.length === 3 &&
        Number.isSafeInteger(d.ob[0]) &&
        typeof d.ob[1] === 'string' &&
        strings(d.ob[2]) &&
        d.ob[2].length === DAEMON_LABELS.length)
    )
  ) {
    throw new Error('daemon deployment state is malformed');
  }
  return {
    c: [...d.c],
    s: d.s,
    e: d.e,
    eo: d.eo,
    ob: d.ob === null ? null : [d.ob[0], d.ob[1], [...d.ob[2]]],
  };
}

const SAMPLE_DAEMON_DEPLOYMENT_ARN = sampleArn('daemon-deployment/prod/log-router/2f4a6c8e');

export const DAEMON_DEPLOYMENT_DETAIL_TYPE = 'ECS Daemon Deployment State Change';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample(
    'daemon-deployment-successful',
    DAEMON_DEPLOYMENT_DETAIL_TYPE,
    [SAMPLE_DAEMON_DEPLOYMENT_ARN],
    {
      eventType: 'INFO',
      eventName: 'DAEMON_DEPLOYMENT_SUCCESSFUL',
      clusterArn: SAMPLE_CLUSTER_ARN,
      daemonArn: sampleArn('daemon/prod/log-router'),
      daemonDeploymentArn: SAMPLE_DAEMON_DEPLOYMENT_ARN,
      targetDaemonRevisionArn: sampleArn('daemon-revision/prod/log-router/4'),
      updatedAt: '2024-03-04T10:34:41.618059641Z',
    },
  ),
];

export const DAEMON_DEPLOYMENT_STATE_CHANGE: EventKind<
  RecentDaemonDeploymentFailure,
  'daemon-deployments'
> = {
  name: 'daemon-deployment-state-change',
  source: 'aws.ecs',
  detailTypes: [DAEMON_DEPLOYMENT_DETAIL_TYPE],
  metrics: DAEMON_DEPLOYMENT_METRICS,
  failures: DAEMON_DEPLOYMENT_FAILURES,
  create(context): KindState<RecentDaemonDeploymentFailure> {
    const options = ledgerOptions(context);
    const identities = new EventTimeLedger<0>(options);
    const deployments = new EventTimeLedger<Deployment>(options);
    const store = context.store;
    const counted = store.family(DAEMON_DEPLOYMENTS);
    const durations = store.family(DAEMON_DEPLOYMENT_DURATION);
    const recent = new RecentList(context.recentFailures, DAEMON_DEPLOYMENT_FAILURES.keyOf);
    return kindState<RecentDaemonDeploymentFailure>(
      'daemon deployment',
      {
        identities: ledgerPart(identities, seenMark('daemon deployment identity')),
        deployments: ledgerPart(deployments, readDeployment),
        // Absent in states saved before failures were listed: the list starts empty.
        recentFailures: listPart(recent, DAEMON_DEPLOYMENT_FAILURES.read),
      },
      (event, detail) => {
        const { eventName, daemonDeploymentArn, updatedAt } = detail;
        if (typeof eventName !== 'string') return { invalid: 'detail.eventName is not a string' };
        if (typeof daemonDeploymentArn !== 'string') {
          return { invalid: 'detail.daemonDeploymentArn is not a string' };
        }
        if (typeof updatedAt !== 'string') return { invalid: 'detail.updatedAt is not a string' };
        const problem = wrongType(detail, ['daemonArn', 'clusterArn', 'targetDaemonRevisionArn']);
        if (problem !== undefined) return { invalid: problem };
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        const identity = JSON.stringify([daemonDeploymentArn, eventName, updatedAt]);
        if (identities.seen(identity, atMs)) return 'duplicate';
        const daemonArn = typeof detail.daemonArn === 'string' ? detail.daemonArn : '';
        const cluster = clusterLabels(event, detail, daemonArn || daemonDeploymentArn);
        const daemon = clusterName(daemonArn);
        const base = labelValues(cluster);
        // Every outcome's series exists from a daemon's first event, so one
        // taken back and made under another outcome leaves the same text as
        // if it had been made there first.
        for (const outcome of TERMINALS) store.ensure(durations, base, [daemon, outcome]);
        // Born at 0, so that a daemon's first rollback is an increase an alert sees.
        for (const known of KNOWN_DAEMON_DEPLOYMENT_STATUSES) {
          store.ensure(counted, base, [daemon, known]);
        }
        const state = deployments.get(daemonDeploymentArn) ?? {
          c: [],
          s: null,
          e: null,
          eo: null,
          ob: null,
        };
        const status = daemonDeploymentStatus(eventName);
        if (!state.c.includes(status)) {
          if (state.c.length < MAX_STATUSES) state.c.push(status);
          store.inc(counted, base, [daemon, status]);
        }
        // Every failure event, not only the first of its status: the entry keeps the
        // latest, so it does not depend on which of two such events came first.
        listDaemonDeploymentFailure(
          recent,
          base,
          daemon,
          daemonDeploymentArn,
          status,
          atMs,
          eventName,
        );
        const updatedMs = parseTime(updatedAt);
        if (Number.isFinite(updatedMs)) {
          if (STARTS.has(status) && (state.s === null || updatedMs < state.s)) state.s = updatedMs;
          if (
            TERMINALS.has(status) &&
            (state.e === null ||
              updatedMs < state.e ||
              (updatedMs === state.e && state.eo !== null && status < state.eo))
          ) {
            state.e = updatedMs;
            state.eo = status;
          }
        }
        if (state.s !== null && state.e !== null && state.eo !== null) {
          const ms = observable(state.e - state.s);
          const ob = state.ob;
          if (ob === null || ob[0] !== ms || ob[1] !== state.eo) {
            if (ob !== null) {
              const [account = '', region = '', name = '', was = ''] = ob[2];
              store.unobserve(durations, labelValues([account, region, name]), [was, ob[1]], ob[0]);
            }
            state.ob = null;
            if (!Number.isNaN(ms)) {
              store.observe(durations, base, [daemon, state.eo], ms);
              state.ob = [ms, state.eo, [...cluster, daemon]];
            }
          }
        }
        deployments.set(daemonDeploymentArn, state, atMs);
        return 'processed';
      },
      { recentFailures: () => recent.entries },
    );
  },
  samples: () => SAMPLES,
  episodes: DAEMON_DEPLOYMENT_EPISODES,
};
