/**
 * A toy kind, "ECS Toy State Change", written as a new kind would be: its
 * folder holds this one file, and it uses only what the kinds share. A toy
 * breaks or is fixed; each break is counted once (by event id) and listed on
 * the failures page.
 */

import type { FailurePlace } from '../../../../src/failure-view.js';
import { detailOf, eventTimeMs, serviceLabels } from '../../../../src/kinds/ecs-event.js';
import type { EventKind, KindState, SampleEvent } from '../../../../src/kinds/kind.js';
import { stringField } from '../../../../src/kinds/label-values.js';
import {
  boundText,
  placeOf,
  RecentList,
  readEntry,
} from '../../../../src/kinds/recent-failures.js';
import {
  SAMPLE_CLUSTER_ARN,
  SAMPLE_SERVICE_ARN,
  sample,
} from '../../../../src/kinds/sample-event.js';
import type { MetricSpec } from '../../../../src/metrics/metric-spec.js';

export const TOY_DETAIL_TYPE = 'ECS Toy State Change';
export const TOY_BREAKS = 'ecs_toy_breaks_total';

const TOY_METRICS: readonly MetricSpec[] = [
  {
    name: TOY_BREAKS,
    type: 'counter',
    group: 'ecs',
    help: 'Toys broken, once per event.',
    labelNames: ['aws_account_id', 'aws_region', 'ecs_cluster', 'ecs_service'],
  },
];

interface BrokenToy extends FailurePlace {
  readonly toyId: string;
  readonly reason: string;
}

const SAMPLES: readonly SampleEvent[] = [
  sample('toy-broken', TOY_DETAIL_TYPE, [SAMPLE_SERVICE_ARN], {
    clusterArn: SAMPLE_CLUSTER_ARN,
    toyId: 'toy-1',
    status: 'BROKEN',
    reason: 'dropped on the floor',
  }),
];

function readBrokenToy(value: unknown): BrokenToy {
  const { place, texts } = readEntry(value, ['toyId', 'reason'], 'broken toy');
  return { ...place, toyId: texts.toyId, reason: texts.reason };
}

export const TOY_STATE_CHANGE: EventKind<BrokenToy, 'toys'> = {
  name: 'toy-state-change',
  source: 'aws.ecs',
  detailTypes: [TOY_DETAIL_TYPE],
  metrics: TOY_METRICS,
  failures: {
    name: 'toys',
    rowClass: 'toy',
    columns: [
      ['Toy', '10ch'],
      ['Reason', 'auto'],
    ],
    beside: true,
    keyOf: (toy) => toy.toyId,
    read: readBrokenToy,
    row: (toy) => ({
      ...placeOf(toy),
      what: 'broken',
      tint: 'outcome',
      cells: [{ text: toy.toyId }, { reason: [toy.reason] }],
      json: { toyId: toy.toyId, reason: toy.reason },
    }),
  },
  create(context): KindState<BrokenToy> {
    const breaks = context.store.family(TOY_BREAKS);
    const recent = new RecentList<BrokenToy>(context.recentFailures, (t) => t.toyId);
    let seen = new Set<string>();
    let newestEventMs = Number.NEGATIVE_INFINITY;
    return {
      apply(event) {
        const detail = detailOf(event);
        if (detail === undefined) return { invalid: 'detail is not an object' };
        const id = stringField(event.id);
        if (seen.has(id)) return 'duplicate';
        seen.add(id);
        const atMs = eventTimeMs(event);
        if (atMs > newestEventMs) newestEventMs = atMs;
        context.store.advance(atMs);
        if (detail.status !== 'BROKEN') return 'processed';
        const labels = serviceLabels(event, detail);
        context.store.inc(breaks, labels, []);
        const [account = '', region = '', cluster = '', service = ''] = labels.values;
        const timeMs = Number.isFinite(atMs) ? atMs : null;
        const toyId = boundText(stringField(detail.toyId), 128);
        recent.put({
          timeMs,
          account,
          region,
          cluster,
          service,
          toyId,
          reason: stringField(detail.reason),
        });
        return 'processed';
      },
      get tracked() {
        return seen.size;
      },
      get newestEventMs() {
        return newestEventMs;
      },
      recentFailures: () => recent.entries,
      snapshot: () => ({ seen: [...seen], recent: recent.snapshot() }),
      prepareRestore(data) {
        const d = data as { seen?: unknown; recent?: unknown };
        if (!Array.isArray(d.seen)) throw new Error('toy state is malformed');
        const ids = new Set(d.seen.map(String));
        const restoreRecent = recent.prepareRestore(d.recent, readBrokenToy);
        return () => {
          seen = ids;
          restoreRecent();
        };
      },
    };
  },
  samples: () => SAMPLES,
  episodes: [
    {
      name: 'toy_breaks',
      // Only when asked for by name: the registry's mix stays as it is.
      weight: 0,
      plan: (context, startMs, workload) => {
        const { clusterArn, serviceArn } = context.where(workload);
        const toyId = `toy-${context.random.hex(8)}`;
        return [
          context.event(TOY_DETAIL_TYPE, startMs, workload, [serviceArn], {
            clusterArn,
            toyId,
            status: 'BROKEN',
            reason: 'dropped on the floor',
          }),
        ];
      },
    },
  ],
};
