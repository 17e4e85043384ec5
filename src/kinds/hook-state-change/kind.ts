/**
 * "ECS Hook State Change" (service deployment lifecycle hooks: pause hooks
 * waiting for approval, Lambda hooks): hooks by status, once per (hookId,
 * status), and a gauge of the hooks whose latest status (by updatedAt; on
 * a tie the greater status name) is awaiting_action, so an approver can be
 * told before `expiresAt`. A record's identity is its content (hookId,
 * eventName, updatedAt). `resources` may be absent: the service comes from
 * `detail.serviceArn`.
 */
import { counter, gauge, type MetricSpec } from '../../metrics/metric-spec.js';
import { labelValues } from '../../metrics/series-store.js';
import { clusterLabels, eventTimeMs, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart, listPart } from '../kind-state.js';
import { boundLabelValue, clusterName, stringField } from '../label-values.js';
import { KNOWN_HOOK_STATUSES } from '../labels.js';
import { parseTime } from '../parse-time.js';
import { RecentList } from '../recent-failures.js';
import { SAMPLE_CLUSTER_ARN, SAMPLE_SERVICE_ARN, sample, sampleArn } from '../sample-event.js';
import { HOOK_EPISODES } from './episodes.js';
import {
  HOOK_FAILED_STATUS,
  HOOK_FAILURES,
  listHookFailure,
  type RecentHookFailure,
} from './failures.js';

export const SERVICE_DEPLOYMENT_HOOKS = 'ecs_service_deployment_hooks_total';
export const HOOKS_AWAITING_ACTION = 'ecs_service_deployment_hooks_awaiting_action';

const SERVICE_LABELS = ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service'] as const;

const HOOK_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    SERVICE_DEPLOYMENT_HOOKS,
    [...SERVICE_LABELS, 'lifecycle_stage', 'hook_type', 'status'],
    'Service deployment lifecycle hooks by stage, type and status (in_progress, awaiting_action, succeeded, failed, timed_out), once per hook and status.',
  ),
  gauge(
    'ecs',
    HOOKS_AWAITING_ACTION,
    [...SERVICE_LABELS, 'lifecycle_stage', 'hook_type'],
    'Service deployment lifecycle hooks whose latest status (by updatedAt) is awaiting_action: pause hooks waiting for ContinueServiceDeployment.',
  ),
];

const PREFIX = 'HOOK_';
/** Statuses remembered per hook; names ECS adds later beyond these are counted again. */
const MAX_STATUSES = 16;
/** The time of a status that came without a readable updatedAt: earlier than any. */
const UNKNOWN_TIME = Number.MIN_SAFE_INTEGER;

/** `HOOK_AWAITING_ACTION` → `awaiting_action`; another name, lower case. */
function hookStatus(eventName: string): string {
  const name = eventName.startsWith(PREFIX) ? eventName.slice(PREFIX.length) : eventName;
  return boundLabelValue(name.toLowerCase());
}

interface Hook {
  /** Statuses counted. */
  c: string[];
  /** Latest status: updatedAt (ms), status, and the labels of its record (service labels, stage, type). */
  u: number;
  s: string;
  l: string[];
}

function readHook(value: unknown): Hook {
  const h = value as Hook;
  const strings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string');
  if (
    typeof h !== 'object' ||
    h === null ||
    !strings(h.c) ||
    h.c.length > MAX_STATUSES ||
    !Number.isSafeInteger(h.u) ||
    typeof h.s !== 'string' ||
    !strings(h.l) ||
    h.l.length !== SERVICE_LABELS.length + 2
  ) {
    throw new Error('hook state is malformed');
  }
  return { c: [...h.c], u: h.u, s: h.s, l: [...h.l] };
}

const AWAITING = 'awaiting_action';

export const HOOK_DETAIL_TYPE = 'ECS Hook State Change';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('hook-awaiting-action', HOOK_DETAIL_TYPE, undefined, {
    eventType: 'INFO',
    eventName: 'HOOK_AWAITING_ACTION',
    clusterArn: SAMPLE_CLUSTER_ARN,
    serviceArn: SAMPLE_SERVICE_ARN,
    serviceDeploymentArn: sampleArn('service-deployment/prod/web/Hk2vJ5tQ'),
    hookId: 'ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw',
    hookType: 'PAUSE',
    lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
    expiresAt: '2024-03-04T10:45:00Z',
    updatedAt: '2024-03-04T10:35:00.118204779Z',
  }),
];

export const HOOK_STATE_CHANGE: EventKind<RecentHookFailure, 'hooks'> = {
  name: 'hook-state-change',
  source: 'aws.ecs',
  detailTypes: [HOOK_DETAIL_TYPE],
  metrics: HOOK_METRICS,
  failures: HOOK_FAILURES,
  create(context): KindState<RecentHookFailure> {
    const options = ledgerOptions(context);
    const identities = new EventTimeLedger<0>(options);
    const hooks = new EventTimeLedger<Hook>(options);
    const store = context.store;
    const counted = store.family(SERVICE_DEPLOYMENT_HOOKS);
    const awaiting = store.family(HOOKS_AWAITING_ACTION);
    const show = (hook: Hook, delta: number) => {
      if (hook.s !== AWAITING) return;
      store.add(
        awaiting,
        labelValues(hook.l.slice(0, SERVICE_LABELS.length)),
        hook.l.slice(4),
        delta,
      );
    };
    hooks.onDrop = (_key, dropped) => show(dropped, -1);
    const recent = new RecentList(context.recentFailures, HOOK_FAILURES.keyOf);
    return kindState<RecentHookFailure>(
      'hook',
      {
        identities: ledgerPart(identities, seenMark('hook identity')),
        hooks: ledgerPart(hooks, readHook),
        // Absent in states saved before failures were listed: the list starts empty.
        recentFailures: listPart(recent, HOOK_FAILURES.read),
      },
      (event, detail) => {
        const { eventName, hookId, updatedAt } = detail;
        if (typeof eventName !== 'string') return { invalid: 'detail.eventName is not a string' };
        if (typeof hookId !== 'string') return { invalid: 'detail.hookId is not a string' };
        if (typeof updatedAt !== 'string') return { invalid: 'detail.updatedAt is not a string' };
        const problem = wrongType(detail, [
          'hookType',
          'lifecycleStage',
          'serviceArn',
          'serviceDeploymentArn',
          'clusterArn',
          'expiresAt',
        ]);
        if (problem !== undefined) return { invalid: problem };
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        const identity = JSON.stringify([hookId, eventName, updatedAt]);
        if (identities.seen(identity, atMs)) return 'duplicate';
        const serviceArn = stringField(detail.serviceArn);
        const service = [...clusterLabels(event, detail, serviceArn), clusterName(serviceArn)];
        const labels = [
          ...service,
          boundLabelValue(stringField(detail.lifecycleStage)),
          boundLabelValue(stringField(detail.hookType)),
        ];
        const status = hookStatus(eventName);
        // Born at 0, so that a hook's first failure is an increase an alert sees.
        const serviceBase = labelValues(service);
        for (const known of KNOWN_HOOK_STATUSES) {
          store.ensure(counted, serviceBase, [labels[4] as string, labels[5] as string, known]);
        }
        const updatedMs = parseTime(updatedAt);
        const u = Number.isFinite(updatedMs) ? updatedMs : UNKNOWN_TIME;
        const known = hooks.get(hookId);
        const hook = known ?? { c: [], u, s: status, l: labels };
        if (!hook.c.includes(status)) {
          if (hook.c.length < MAX_STATUSES) hook.c.push(status);
          store.inc(counted, serviceBase, [labels[4] as string, labels[5] as string, status]);
        }
        if (known === undefined || u > hook.u || (u === hook.u && status > hook.s)) {
          if (known !== undefined) show(hook, -1);
          hook.u = u;
          hook.s = status;
          hook.l = labels;
          show(hook, 1);
        }
        if (status === HOOK_FAILED_STATUS) {
          // Every failed event, not only the first: the entry keeps the latest, in any order.
          const hookFailure = {
            hookId,
            lifecycleStage: stringField(detail.lifecycleStage),
            hookType: stringField(detail.hookType),
            serviceDeploymentArn: stringField(detail.serviceDeploymentArn),
          };
          listHookFailure(recent, service, hookFailure, atMs);
        }
        hooks.set(hookId, hook, atMs);
        return 'processed';
      },
      { recentFailures: () => recent.entries },
    );
  },
  samples: () => SAMPLES,
  episodes: HOOK_EPISODES,
};
