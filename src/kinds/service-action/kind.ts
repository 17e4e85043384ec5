/**
 * "ECS Service Action": steady state, task placement failures and their
 * reason, task start impaired, capacity provider steady state, and any
 * event name ECS adds later (bounded), each counted once per (service ARN,
 * eventName, createdAt, reason). The SERVICE_DEPLOYMENT_* names ECS also
 * sends here are service actions only: deployments are counted from "ECS
 * Deployment State Change". The daemon variant, whose resources hold a
 * task ARN or nothing, is a kind of its own (daemon-service-action/).
 */
import { counter, type MetricSpec } from '../../metrics/metric-spec.js';
import { eventTimeMs, firstResource, serviceLabels, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart } from '../kind-state.js';
import { boundLabelValue } from '../label-values.js';
import { SAMPLE_CLUSTER_ARN, SAMPLE_SERVICE_ARN, sample } from '../sample-event.js';
import { SERVICE_ACTION_EPISODES } from './episodes.js';

export const SERVICE_ACTION_EVENTS = 'ecs_service_action_events_total';

const SERVICE_ACTION_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    SERVICE_ACTION_EVENTS,
    [
      'aws_account_id',
      'aws_region',
      'ecs_cluster',
      'ecs_service',
      'event_name',
      'event_type',
      'reason',
    ],
    'Service action events (steady state, task placement failures, task start impaired, …) by event name, type and reason, once per service, event name, createdAt and reason.',
  ),
];

export const SERVICE_ACTION_DETAIL_TYPE = 'ECS Service Action';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('service-placement-failure', SERVICE_ACTION_DETAIL_TYPE, [SAMPLE_SERVICE_ARN], {
    eventType: 'WARN',
    eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
    clusterArn: SAMPLE_CLUSTER_ARN,
    createdAt: '2024-03-04T10:30:00.695Z',
    reason: 'RESOURCE:MEMORY',
  }),
];

export const SERVICE_ACTION: EventKind = {
  name: 'service-action',
  source: 'aws.ecs',
  detailTypes: [SERVICE_ACTION_DETAIL_TYPE],
  metrics: SERVICE_ACTION_METRICS,
  create(context): KindState {
    const identities = new EventTimeLedger<0>(ledgerOptions(context));
    const store = context.store;
    const events = store.family(SERVICE_ACTION_EVENTS);
    return kindState(
      'service action',
      { identities: ledgerPart(identities, seenMark('service action identity')) },
      (event, detail) => {
        const { eventName } = detail;
        if (typeof eventName !== 'string') return { invalid: 'detail.eventName is not a string' };
        const problem = wrongType(detail, ['eventType', 'createdAt', 'reason', 'clusterArn']);
        if (problem !== undefined) return { invalid: problem };
        const createdAt = typeof detail.createdAt === 'string' ? detail.createdAt : '';
        const reason =
          typeof detail.reason === 'string' && detail.reason !== '' ? detail.reason : 'none';
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        const identity = JSON.stringify([firstResource(event), eventName, createdAt, reason]);
        if (identities.seen(identity, atMs)) return 'duplicate';
        const eventType = typeof detail.eventType === 'string' ? detail.eventType : '';
        store.inc(events, serviceLabels(event, detail), [
          boundLabelValue(eventName),
          boundLabelValue(eventType),
          boundLabelValue(reason),
        ]);
        return 'processed';
      },
    );
  },
  samples: () => SAMPLES,
  episodes: SERVICE_ACTION_EPISODES,
};
