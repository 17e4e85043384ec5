/**
 * The deployments listed as failures (failed, rolled back or both): the
 * entry a failure makes, one per deployment, how a saved entry is read back,
 * and its row on the landing page.
 */
import type { FailurePlace, FailureRow } from '../../failure-view.js';
import type { LabelValues } from '../../metrics/series-store.js';
import { deploymentsConsoleUrl } from '../console-link.js';
import {
  boundText,
  entryTime,
  type FailureList,
  placeOf,
  type RecentList,
  readEntry,
  readNames,
} from '../recent-failures.js';

/** The outcomes that list a deployment, in the order an entry names them. */
const FAILED_OUTCOMES: readonly string[] = ['failed', 'rolled_back'];

/** A deployment that failed or rolled back, at the time of its latest failure event. */
export interface RecentDeploymentFailure extends FailurePlace {
  readonly deploymentId: string;
  /** `failed`, `rolled_back` or both, in that order. */
  readonly outcomes: readonly string[];
  readonly eventName: string;
  readonly reason: string;
}

const DEPLOYMENT_TEXTS = ['deploymentId', 'eventName', 'reason'] as const;

export function readRecentDeployment(value: unknown): RecentDeploymentFailure {
  const { place, texts: d } = readEntry(value, DEPLOYMENT_TEXTS, 'recent deployment failure');
  const outcomes = readNames(
    (value as { outcomes?: unknown }).outcomes,
    FAILED_OUTCOMES,
    'recent deployment failure.outcomes',
  );
  return {
    ...place,
    deploymentId: d.deploymentId,
    outcomes,
    eventName: d.eventName,
    reason: d.reason,
  };
}

/**
 * Lists a deployment's failure outcomes (each counted once by the kind): one
 * entry per deployment, showing its latest failure event and every failure
 * outcome seen.
 */
export function listDeploymentFailure(
  recent: RecentList<RecentDeploymentFailure>,
  labels: LabelValues,
  deploymentId: string,
  outcomes: readonly string[],
  timeMs: number,
  eventName: string,
  reason: string,
): void {
  const [account = '', region = '', cluster = '', service = ''] = labels.values;
  const entry: RecentDeploymentFailure = {
    timeMs: entryTime(timeMs),
    account,
    region,
    cluster,
    service,
    deploymentId: boundText(deploymentId, 128),
    outcomes,
    eventName: boundText(eventName, 128),
    reason: boundText(reason),
  };
  recent.putLatest(
    entry,
    (e) => e.reason,
    (kept, other) => ({
      ...kept,
      outcomes: FAILED_OUTCOMES.filter(
        (o) => kept.outcomes.includes(o) || other.outcomes.includes(o),
      ),
    }),
  );
}

function deploymentRow(d: RecentDeploymentFailure): FailureRow {
  const consoleUrl = deploymentsConsoleUrl(d.region, d.cluster, d.service);
  return {
    ...placeOf(d),
    what: `deployment ${d.outcomes.join(', ')}`,
    tint: 'outcome',
    cells: [
      {
        code: `${d.cluster}/${d.service}`,
        href: consoleUrl,
        hover: `${d.cluster}/${d.service} ${d.deploymentId}`,
      },
      { text: d.outcomes.join(', '), tint: 'outcome' },
      { reason: [d.reason, d.eventName] },
    ],
    json: {
      deploymentId: d.deploymentId,
      outcomes: d.outcomes,
      eventName: d.eventName,
      reason: d.reason,
      consoleUrl,
    },
  };
}

/** Failed and rolled-back deployments: a short list, beside the counts. */
export const DEPLOYMENT_FAILURES: FailureList<RecentDeploymentFailure, 'deployments'> = {
  name: 'deployments',
  rowClass: 'deployment',
  columns: [
    ['Cluster/service', 'auto'],
    ['Outcome', '15ch'],
    ['Reason', 'auto'],
  ],
  beside: true,
  keyOf: (entry) => entry.deploymentId,
  read: readRecentDeployment,
  row: deploymentRow,
};
