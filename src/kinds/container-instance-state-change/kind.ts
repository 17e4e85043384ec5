/**
 * "ECS Container Instance State Change": state changes by status and agent
 * connection, once per (containerInstanceArn, version), and the one
 * "current state" view the contract allows: a gauge of instances by status
 * and agent connection, following the highest version seen per instance.
 */
import { counter, gauge, type MetricSpec } from '../../metrics/metric-spec.js';
import type { Workload } from '../../metrics/series-lifecycle.js';
import { type LabelValues, labelValues } from '../../metrics/series-store.js';
import { clusterLabels, eventTimeMs, firstResource, wrongType } from '../ecs-event.js';
import { EventTimeLedger, ledgerOptions, seenMark } from '../event-time-ledger.js';
import { instanceInactive } from '../instance-retirements.js';
import type { EventKind, KindState, SampleEvent } from '../kind.js';
import { kindState, ledgerPart } from '../kind-state.js';
import { boundLabelValue } from '../label-values.js';
import { SAMPLE_CLUSTER_ARN, sample, sampleArn } from '../sample-event.js';
import { CONTAINER_INSTANCE_EPISODES } from './episodes.js';

export const INSTANCE_STATE_CHANGES = 'ecs_container_instance_state_changes_total';
export const CONTAINER_INSTANCES = 'ecs_container_instances';

const INSTANCE_LABELS = ['aws_account_id', 'aws_region', 'ecs_cluster'] as const;

export const CONTAINER_INSTANCE_METRICS: readonly MetricSpec[] = [
  counter(
    'ecs',
    INSTANCE_STATE_CHANGES,
    [...INSTANCE_LABELS, 'status', 'agent_connected'],
    'Container instance state changes by status and agent connection, once per instance and version.',
  ),
  gauge(
    'ecs',
    CONTAINER_INSTANCES,
    [...INSTANCE_LABELS, 'status', 'agent_connected'],
    'Container instances by status and agent connection, as of the highest version seen of each. An instance is kept until the cap on tracked entities drops it, or until it has been INACTIVE for the retention.',
  ),
];

/** The current view of one instance: highest version, its labels, status and agent connection. */
interface Instance {
  v: number;
  l: string[];
  s: string;
  a: 'true' | 'false';
}

function readInstance(value: unknown): Instance {
  const i = value as Instance;
  if (
    typeof i !== 'object' ||
    i === null ||
    !Number.isSafeInteger(i.v) ||
    !Array.isArray(i.l) ||
    i.l.length !== INSTANCE_LABELS.length ||
    !i.l.every((x) => typeof x === 'string') ||
    typeof i.s !== 'string' ||
    (i.a !== 'true' && i.a !== 'false')
  ) {
    throw new Error('container instance state is malformed');
  }
  return { v: i.v, l: [...i.l], s: i.s, a: i.a };
}

const SAMPLE_INSTANCE_ARN = sampleArn('container-instance/prod/6d2c4e1c07d4a5f3b9e2f0a1c3d5e7f9');

export const CONTAINER_INSTANCE_DETAIL_TYPE = 'ECS Container Instance State Change';

/** The event check-pattern judges patterns against, in the shape ECS documents. */
const SAMPLES: readonly SampleEvent[] = [
  sample('container-instance-active', CONTAINER_INSTANCE_DETAIL_TYPE, [SAMPLE_INSTANCE_ARN], {
    agentConnected: true,
    clusterArn: SAMPLE_CLUSTER_ARN,
    containerInstanceArn: SAMPLE_INSTANCE_ARN,
    ec2InstanceId: 'i-0f2b1c9a8d7e6f543',
    registeredResources: [
      { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
      { name: 'MEMORY', type: 'INTEGER', integerValue: 7936 },
    ],
    status: 'ACTIVE',
    version: 14,
    versionInfo: { agentVersion: '1.82.0', dockerVersion: 'DockerVersion: 20.10.25' },
    updatedAt: '2024-03-04T10:30:00.991Z',
  }),
];

export const CONTAINER_INSTANCE_STATE_CHANGE: EventKind = {
  name: 'container-instance-state-change',
  source: 'aws.ecs',
  detailTypes: [CONTAINER_INSTANCE_DETAIL_TYPE],
  metrics: CONTAINER_INSTANCE_METRICS,
  create(context): KindState {
    const store = context.store;
    const changes = store.family(INSTANCE_STATE_CHANGES);
    const gauge = store.family(CONTAINER_INSTANCES);
    const options = ledgerOptions(context);
    const versions = new EventTimeLedger<0>(options);
    const instances = new EventTimeLedger<Instance>({
      ...options,
      // A registered instance may send nothing for days: only INACTIVE ones age out.
      keeps: (instance) => instance.s !== 'INACTIVE',
    });
    const view = (i: Instance): [LabelValues, string[]] => [labelValues(i.l), [i.s, i.a]];
    // A registered instance keeps its cluster's instance series from expiring.
    const held = new Map<string, Workload>();
    const unhold = (arn: string) => {
      const w = held.get(arn);
      if (w === undefined) return;
      held.delete(arn);
      store.release(w);
    };
    const hold = (arn: string, instance: Instance) => {
      unhold(arn);
      if (instance.s === 'INACTIVE') return;
      const w = store.workloadOf(changes, labelValues(instance.l));
      if (w === undefined) return;
      store.hold(w);
      held.set(arn, w);
    };
    instances.onDrop = (key, dropped) => {
      unhold(key);
      store.add(gauge, ...view(dropped), -1);
    };
    return kindState(
      'container instance',
      {
        versions: ledgerPart(versions, seenMark('container instance version')),
        instances: ledgerPart(instances, readInstance),
      },
      (event, detail) => {
        const { containerInstanceArn, version, status, agentConnected } = detail;
        if (typeof containerInstanceArn !== 'string') {
          return { invalid: 'detail.containerInstanceArn is not a string' };
        }
        if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
          return { invalid: 'detail.version is not an integer' };
        }
        if (typeof status !== 'string') return { invalid: 'detail.status is not a string' };
        if (typeof agentConnected !== 'boolean') {
          return { invalid: 'detail.agentConnected is not a boolean' };
        }
        const problem = wrongType(detail, ['clusterArn']);
        if (problem !== undefined) return { invalid: problem };
        const atMs = eventTimeMs(event);
        store.advance(atMs);
        const identity = `${version} ${containerInstanceArn}`;
        if (versions.seen(identity, atMs)) return 'duplicate';
        const current: Instance = {
          v: version,
          l: clusterLabels(event, detail, containerInstanceArn || firstResource(event)),
          s: boundLabelValue(status),
          a: agentConnected ? 'true' : 'false',
        };
        store.inc(changes, labelValues(current.l), [current.s, current.a]);
        if (status === 'INACTIVE') instanceInactive(store, containerInstanceArn, atMs);
        const previous = instances.get(containerInstanceArn);
        if (previous === undefined || version > previous.v) {
          if (previous !== undefined) store.add(gauge, ...view(previous), -1);
          store.add(gauge, ...view(current), 1);
          instances.set(containerInstanceArn, current, atMs);
          hold(containerInstanceArn, current);
        } else {
          instances.set(containerInstanceArn, previous, atMs);
        }
        return 'processed';
      },
      {
        restored: () => {
          for (const w of held.values()) store.release(w);
          held.clear();
          for (const [arn, instance] of instances.keyed()) hold(arn, instance);
        },
      },
    );
  },
  samples: () => SAMPLES,
  episodes: CONTAINER_INSTANCE_EPISODES,
};
