/**
 * "ECS Daemon Service Action" (ECS Managed Daemons): a daemon task that did
 * not start on a container instance (DAEMON_TASK_START_IMPAIRED), counted
 * once per (daemonArn, containerInstanceArn, failureType, taskArn or none,
 * createdAt) by daemon, failure type and reason class. Its resources hold
 * the task ARN or nothing, never a service: the labels come from
 * `detail.clusterArn` and `detail.daemonArn`. Other event names are
 * processed (deduplicated by their content) and counted in no family until
 * the contract names them.
 */
import { counter, type MetricSpec } from '../../metrics/metric-spec.js';
import { labelValues } from '../../metrics/series-store.js';
import { clusterLabels, eventTimeMs, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart } from '../kind-state.js';
import { boundLabelValue, clusterName } from '../label-values.js';
import { SAMPLE_CLUSTER_ARN, sample, sampleArn } from '../sample-event.js';
import { classifyStopReason } from '../task-state-change/stop-reason.js';
import { DAEMON_SERVICE_ACTION_EPISODES } from './episodes.js';

export const DAEMON_TASK_START_IMPAIRED = 'ecs_daemon_task_start_impaired_total';

const DAEMON_SERVICE_ACTION_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    DAEMON_TASK_START_IMPAIRED,
    ['aws_account_id', 'aws_region', 'ecs_cluster', 'daemon', 'failure_type', 'reason'],
    'Daemon tasks that did not start on a container instance (DAEMON_TASK_START_IMPAIRED), by daemon, failure type and reason, once per daemon, instance, failure type, task and createdAt.',
  ),
];

const RESOURCE_TOKEN = /^RESOURCE:[A-Z0-9_]+/;

/** `RESOURCE:<NAME>` when the reason starts with one, else the stop reason class of its text. */
function daemonStartReason(reason: string): string {
  const token = RESOURCE_TOKEN.exec(reason);
  if (token !== null) return token[0];
  return classifyStopReason(reason, []);
}

const SAMPLE_DAEMON_ARN = sampleArn('daemon/prod/log-router');
const SAMPLE_INSTANCE_ARN = sampleArn('container-instance/prod/0b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e');
const SAMPLE_TASK_ARN = sampleArn('task/prod/5e7f9a1b3c5d7e9f1a2b3c4d5e6f7a8b');

export const DAEMON_SERVICE_ACTION_DETAIL_TYPE = 'ECS Daemon Service Action';

/** The events check-pattern judges patterns against, in the shapes ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('daemon-task-creation-failed', DAEMON_SERVICE_ACTION_DETAIL_TYPE, [], {
    eventType: 'WARNING',
    eventName: 'DAEMON_TASK_START_IMPAIRED',
    clusterArn: SAMPLE_CLUSTER_ARN,
    daemonArn: SAMPLE_DAEMON_ARN,
    containerInstanceArn: SAMPLE_INSTANCE_ARN,
    failureType: 'TASK_CREATION_FAILED',
    reason: 'RESOURCE:MEMORY',
    createdAt: '2024-03-04T10:31:02.113402611Z',
  }),
  sample('daemon-task-failed-to-run', DAEMON_SERVICE_ACTION_DETAIL_TYPE, [SAMPLE_TASK_ARN], {
    eventType: 'WARNING',
    eventName: 'DAEMON_TASK_START_IMPAIRED',
    clusterArn: SAMPLE_CLUSTER_ARN,
    daemonArn: SAMPLE_DAEMON_ARN,
    containerInstanceArn: SAMPLE_INSTANCE_ARN,
    taskArn: SAMPLE_TASK_ARN,
    failureType: 'TASK_FAILED_TO_RUN',
    reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    createdAt: '2024-03-04T10:31:40.000000000Z',
  }),
];

export const DAEMON_SERVICE_ACTION: EventKind = {
  name: 'daemon-service-action',
  source: 'aws.ecs',
  detailTypes: [DAEMON_SERVICE_ACTION_DETAIL_TYPE],
  metrics: DAEMON_SERVICE_ACTION_METRICS,
  create(context): KindState {
    const identities = new EventTimeLedger<0>(ledgerOptions(context));
    const store = context.store;
    const impaired = store.family(DAEMON_TASK_START_IMPAIRED);
    return kindState(
      'daemon service action',
      { identities: ledgerPart(identities, seenMark('daemon service action identity')) },
      (event, detail) => {
        const { eventName, daemonArn, containerInstanceArn, failureType, createdAt } = detail;
        if (typeof eventName !== 'string') return { invalid: 'detail.eventName is not a string' };
        if (typeof daemonArn !== 'string') return { invalid: 'detail.daemonArn is not a string' };
        if (typeof containerInstanceArn !== 'string') {
          return { invalid: 'detail.containerInstanceArn is not a string' };
        }
        if (typeof createdAt !== 'string') return { invalid: 'detail.createdAt is not a string' };
        const startImpaired = eventName === 'DAEMON_TASK_START_IMPAIRED';
        if (startImpaired && typeof failureType !== 'string') {
          return { invalid: 'detail.failureType is not a string' };
        }
        const problem = wrongType(detail, [
          'failureType',
          'taskArn',
          'reason',
          'eventType',
          'clusterArn',
        ]);
        if (problem !== undefined) return { invalid: problem };
        const taskArn = typeof detail.taskArn === 'string' ? detail.taskArn : null;
        const identity = JSON.stringify(
          startImpaired
            ? [daemonArn, containerInstanceArn, failureType, taskArn, createdAt]
            : [eventName, daemonArn, containerInstanceArn, failureType ?? null, taskArn, createdAt],
        );
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        if (identities.seen(identity, atMs)) return 'duplicate';
        if (!startImpaired) return 'processed';
        const reason = typeof detail.reason === 'string' ? detail.reason : '';
        const labels = clusterLabels(event, detail, daemonArn);
        store.inc(impaired, labelValues(labels), [
          clusterName(daemonArn),
          boundLabelValue(failureType as string),
          daemonStartReason(reason),
        ]);
        return 'processed';
      },
    );
  },
  samples: () => SAMPLES,
  episodes: DAEMON_SERVICE_ACTION_EPISODES,
};
