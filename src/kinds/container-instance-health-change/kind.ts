/**
 * "ECS Container Instance Health Change": each health check's changes,
 * once per (containerInstanceArn, check type, status, lastStatusChange), and
 * a gauge of instances by the latest known status of each check (latest by
 * lastStatusChange) and overall (latest by event time), ties going to the
 * greater status name, so any order of arrival gives the same view. An
 * instance leaves the gauge when "ECS Container Instance State Change" says
 * it is INACTIVE (instance-retirements.ts), or after the retention with no
 * event of it.
 */
import { counter, gauge, type MetricSpec } from '../../metrics/metric-spec.js';
import { labelValues } from '../../metrics/series-store.js';
import { clusterLabels, type Detail, eventTimeMs, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import { onInstanceInactive } from '../instance-retirements.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart } from '../kind-state.js';
import { boundLabelValue } from '../label-values.js';
import { parseTime } from '../parse-time.js';
import { SAMPLE_CLUSTER_ARN, sample, sampleArn } from '../sample-event.js';
import { INSTANCE_HEALTH_EPISODES } from './episodes.js';

export const INSTANCE_HEALTH_CHANGES = 'ecs_container_instance_health_changes_total';
export const INSTANCE_HEALTH = 'ecs_container_instance_health';

const INSTANCE_LABELS = ['aws_account_id', 'aws_region', 'ecs_cluster'] as const;

const INSTANCE_HEALTH_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    INSTANCE_HEALTH_CHANGES,
    [...INSTANCE_LABELS, 'capacity_provider', 'check', 'status', 'reason'],
    'Container instance health check changes by capacity provider, check, status and reason, once per instance, check, status and lastStatusChange.',
  ),
  gauge(
    'ecs',
    INSTANCE_HEALTH,
    [...INSTANCE_LABELS, 'capacity_provider', 'check', 'status'],
    'Container instances by the latest known status of each health check (latest by lastStatusChange) and overall (check="overall", latest by event time). An instance leaves when it is INACTIVE, or after the retention with no event of it.',
  ),
];

/** Check types remembered per instance; an odd event cannot grow one without bound. */
const MAX_CHECKS = 16;
/** The time of a status that came without one: earlier than any. */
const UNKNOWN_TIME = Number.MIN_SAFE_INTEGER;

/** A status as of a time (ms; UNKNOWN_TIME when it had none): [time, status, capacity provider]. */
type Latest = [atMs: number, status: string, capacityProvider: string];

interface Instance {
  /** Account, region and cluster labels. */
  l: string[];
  /** Per check type, its latest status: [type, ...Latest] (a list: check types come from events, and an object keyed by them would take `__proto__`). */
  c: [type: string, ...latest: Latest][];
  /** Overall status, latest by event time; null before any. */
  o: Latest | null;
  /** INACTIVE: shown no more. */
  r: boolean;
}

/** The later of two statuses: by time, then the greater status name. */
function later(a: Latest | null | undefined, b: Latest): boolean {
  if (a === null || a === undefined) return true;
  if (b[0] !== a[0]) return b[0] > a[0];
  return b[1] > a[1] || (b[1] === a[1] && b[2] > a[2]);
}

/** `reason` of a check: an Xid error as given, a class of the text, `none` or `other`. */
function healthReason(statusReason: unknown): string {
  if (typeof statusReason !== 'string' || statusReason === '') return 'none';
  if (/^XID_\d+$/.test(statusReason)) return statusReason;
  if (/^Daemon task\b.*\bunhealthy/i.test(statusReason)) return 'daemon_unhealthy';
  if (/^Agent disconnected\b/i.test(statusReason)) return 'agent_disconnected';
  return 'other';
}

/** A time field as ms: an ISO text, or seconds since the epoch; UNKNOWN_TIME otherwise. */
function timeMs(value: unknown): number {
  const ms =
    typeof value === 'string'
      ? parseTime(value)
      : typeof value === 'number'
        ? Math.floor(value * 1000)
        : Number.NaN;
  return Number.isFinite(ms) ? ms : UNKNOWN_TIME;
}

function readLatest(value: unknown): Latest {
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== 'string' ||
    typeof value[2] !== 'string'
  ) {
    throw new Error('container instance health status is malformed');
  }
  return [value[0], value[1], value[2]];
}

function readInstance(value: unknown): Instance {
  const i = value as Instance;
  if (
    typeof i !== 'object' ||
    i === null ||
    !Array.isArray(i.l) ||
    !(i.l.length === INSTANCE_LABELS.length || i.l.length === 0) ||
    !i.l.every((x) => typeof x === 'string') ||
    !Array.isArray(i.c) ||
    i.c.length > MAX_CHECKS ||
    typeof i.r !== 'boolean'
  ) {
    throw new Error('container instance health state is malformed');
  }
  const c = i.c.map((entry): [string, ...Latest] => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new Error('container instance health check is malformed');
    }
    return [entry[0], ...readLatest(entry.slice(1))];
  });
  return { l: [...i.l], c, o: i.o === null ? null : readLatest(i.o), r: i.r };
}

/** The gauge's extra label values an instance stands for now. */
function shown(instance: Instance): string[][] {
  if (instance.r || instance.l.length === 0) return [];
  const out: string[][] = [];
  if (instance.o !== null) out.push([instance.o[2], 'overall', instance.o[1]]);
  for (const [type, , status, provider] of instance.c) out.push([provider, type, status]);
  return out;
}

interface Check {
  readonly type: string;
  readonly status: string;
  readonly lastStatusChange: unknown;
  readonly statusReason: unknown;
}

/** The checks of a detail, or the reason they are not usable. */
function checksOf(detail: Detail): Check[] | string {
  const list = detail.healthChecks ?? [];
  if (!Array.isArray(list)) return 'detail.healthChecks is not an array';
  const checks: Check[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) return 'a health check is not an object';
    const { type, status, lastStatusChange, statusReason } = entry as Record<string, unknown>;
    if (typeof type !== 'string') return 'a health check type is not a string';
    if (typeof status !== 'string') return 'a health check status is not a string';
    const lsc = typeof lastStatusChange;
    if (lastStatusChange != null && lsc !== 'string' && lsc !== 'number') {
      return 'a health check lastStatusChange is not a time';
    }
    checks.push({ type, status, lastStatusChange: lastStatusChange ?? null, statusReason });
  }
  return checks;
}

const SAMPLE_INSTANCE_ARN = sampleArn('container-instance/prod/0b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e');

export const INSTANCE_HEALTH_DETAIL_TYPE = 'ECS Container Instance Health Change';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('container-instance-gpu-impaired', INSTANCE_HEALTH_DETAIL_TYPE, [SAMPLE_INSTANCE_ARN], {
    clusterArn: SAMPLE_CLUSTER_ARN,
    containerInstanceArn: SAMPLE_INSTANCE_ARN,
    capacityProviderName: null,
    ec2InstanceId: 'i-0a1b2c3d4e5f60718',
    overallStatus: 'IMPAIRED',
    healthChecks: [
      {
        type: 'ACCELERATED_COMPUTE',
        status: 'IMPAIRED',
        lastStatusChange: '2024-03-04T10:32:00.004871223Z',
        lastUpdated: '2024-03-04T10:32:00.004871223Z',
        statusReason: 'XID_79',
      },
    ],
  }),
];

export const CONTAINER_INSTANCE_HEALTH_CHANGE: EventKind = {
  name: 'container-instance-health-change',
  source: 'aws.ecs',
  detailTypes: [INSTANCE_HEALTH_DETAIL_TYPE],
  metrics: INSTANCE_HEALTH_METRICS,
  create(context): KindState {
    const store = context.store;
    const changes = store.family(INSTANCE_HEALTH_CHANGES);
    const gauge = store.family(INSTANCE_HEALTH);
    const options = ledgerOptions(context);
    const records = new EventTimeLedger<0>(options);
    const checkChanges = new EventTimeLedger<0>(options);
    const instances = new EventTimeLedger<Instance>(options);
    const move = (instance: Instance, delta: number) => {
      if (instance.l.length === 0) return;
      const base = labelValues(instance.l);
      for (const extra of shown(instance)) store.add(gauge, base, extra, delta);
    };
    instances.onDrop = (_key, dropped) => move(dropped, -1);
    onInstanceInactive(store, (arn, atMs) => {
      const instance = instances.get(arn) ?? { l: [], c: [], o: null, r: false };
      move(instance, -1);
      instance.r = true;
      instances.set(arn, instance, atMs);
    });
    return kindState(
      'container instance health',
      {
        records: ledgerPart(records, seenMark('instance health record')),
        checkChanges: ledgerPart(checkChanges, seenMark('instance health change'), false),
        instances: ledgerPart(instances, readInstance),
      },
      (event, detail) => {
        const { containerInstanceArn, overallStatus } = detail;
        if (typeof containerInstanceArn !== 'string') {
          return { invalid: 'detail.containerInstanceArn is not a string' };
        }
        if (typeof event.time !== 'string') return { invalid: 'time is not a string' };
        if (overallStatus != null && typeof overallStatus !== 'string') {
          return { invalid: 'detail.overallStatus is not a string' };
        }
        const problem = wrongType(detail, ['clusterArn', 'capacityProviderName']);
        if (problem !== undefined) return { invalid: problem };
        const checks = checksOf(detail);
        if (typeof checks === 'string') return { invalid: checks };
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        const identity = JSON.stringify([
          containerInstanceArn,
          event.time,
          overallStatus ?? null,
          checks.map((c) => [c.type, c.status, c.lastStatusChange]),
        ]);
        if (records.seen(identity, atMs)) return 'duplicate';
        const provider =
          typeof detail.capacityProviderName === 'string' && detail.capacityProviderName !== ''
            ? boundLabelValue(detail.capacityProviderName)
            : 'none';
        const labels = clusterLabels(event, detail, containerInstanceArn);
        const base = labelValues(labels);
        const instance = instances.get(containerInstanceArn) ?? {
          l: labels,
          c: [],
          o: null,
          r: false,
        };
        move(instance, -1);
        instance.l = labels;
        for (const check of checks) {
          const type = boundLabelValue(check.type);
          const status = boundLabelValue(check.status);
          const change = JSON.stringify([
            containerInstanceArn,
            type,
            status,
            check.lastStatusChange,
          ]);
          if (checkChanges.get(change) === undefined) {
            store.inc(changes, base, [provider, type, status, healthReason(check.statusReason)]);
          }
          checkChanges.set(change, 0, atMs);
          const offered: Latest = [timeMs(check.lastStatusChange), status, provider];
          const at = instance.c.findIndex((entry) => entry[0] === type);
          const known = at === -1 ? undefined : (instance.c[at]?.slice(1) as Latest);
          if (later(known, offered)) {
            if (at !== -1) instance.c[at] = [type, ...offered];
            else if (instance.c.length < MAX_CHECKS) instance.c.push([type, ...offered]);
          }
        }
        if (typeof overallStatus === 'string') {
          const at = Number.isFinite(atMs) ? atMs : UNKNOWN_TIME;
          const offered: Latest = [at, boundLabelValue(overallStatus), provider];
          if (later(instance.o, offered)) instance.o = offered;
        }
        move(instance, 1);
        instances.set(containerInstanceArn, instance, atMs);
        return 'processed';
      },
    );
  },
  samples: () => SAMPLES,
  episodes: INSTANCE_HEALTH_EPISODES,
};
