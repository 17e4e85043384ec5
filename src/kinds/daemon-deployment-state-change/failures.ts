/**
 * The daemon deployments listed as failures: those that rolled back
 * (rollback_in_progress, rollback_successful, rollback_failed). A stopped
 * deployment is not one: STOPPED follows a stop someone asked for
 * (stop_requested) or a newer deployment, as the contract's statuses say.
 * The entry a failure makes, one per daemon deployment, how a saved entry is
 * read back, and its row on the landing page.
 */
import type { FailurePlace, FailureRow } from '../../failure-view.js';
import type { LabelValues } from '../../metrics/series-store.js';
import { clusterConsoleUrl } from '../console-link.js';
import {
  boundText,
  entryTime,
  type FailureList,
  placeOf,
  type RecentList,
  readEntry,
  readNames,
} from '../recent-failures.js';

/** The statuses that list a daemon deployment, in the order an entry names them. */
export const DAEMON_FAILED_STATUSES: readonly string[] = [
  'rollback_in_progress',
  'rollback_successful',
  'rollback_failed',
];

/** A daemon deployment that rolled back, at the time of its latest failure event. */
export interface RecentDaemonDeploymentFailure extends FailurePlace {
  readonly daemonDeploymentArn: string;
  readonly daemon: string;
  /** Its failure statuses seen, in the order of DAEMON_FAILED_STATUSES. */
  readonly statuses: readonly string[];
  readonly eventName: string;
}

const DAEMON_TEXTS = ['daemonDeploymentArn', 'daemon', 'eventName'] as const;

export function readRecentDaemonDeployment(value: unknown): RecentDaemonDeploymentFailure {
  const { place, texts } = readEntry(value, DAEMON_TEXTS, 'recent daemon deployment failure');
  const statuses = readNames(
    (value as { statuses?: unknown }).statuses,
    DAEMON_FAILED_STATUSES,
    'recent daemon deployment failure.statuses',
  );
  return {
    ...place,
    daemonDeploymentArn: texts.daemonDeploymentArn,
    daemon: texts.daemon,
    statuses,
    eventName: texts.eventName,
  };
}

/**
 * Lists a daemon deployment's failure event: one entry per deployment,
 * showing its latest failure event (on a tie the greater event name) and
 * every failure status seen, so the entry is the same in any order.
 */
export function listDaemonDeploymentFailure(
  recent: RecentList<RecentDaemonDeploymentFailure>,
  cluster: LabelValues,
  daemon: string,
  daemonDeploymentArn: string,
  status: string,
  timeMs: number,
  eventName: string,
): void {
  if (!DAEMON_FAILED_STATUSES.includes(status)) return;
  const [account = '', region = '', clusterName = ''] = cluster.values;
  const entry: RecentDaemonDeploymentFailure = {
    timeMs: entryTime(timeMs),
    account,
    region,
    cluster: clusterName,
    service: '',
    daemonDeploymentArn: boundText(daemonDeploymentArn),
    daemon: boundText(daemon, 128),
    statuses: [status],
    eventName: boundText(eventName, 128),
  };
  recent.putLatest(
    entry,
    (e) => e.eventName,
    (kept, other) => ({
      ...kept,
      statuses: DAEMON_FAILED_STATUSES.filter(
        (s) => kept.statuses.includes(s) || other.statuses.includes(s),
      ),
    }),
  );
}

function daemonDeploymentRow(d: RecentDaemonDeploymentFailure): FailureRow {
  const consoleUrl = clusterConsoleUrl(d.region, d.cluster, 'services');
  const statuses = d.statuses.join(', ');
  return {
    ...placeOf(d),
    what: `daemon deployment ${statuses}`,
    tint: 'outcome',
    cells: [
      {
        code: `${d.cluster}/${d.daemon}`,
        href: consoleUrl,
        hover: `${d.cluster}/${d.daemon} ${d.daemonDeploymentArn}`,
      },
      { text: statuses, tint: 'outcome' },
      { reason: [d.eventName] },
    ],
    json: {
      daemon: d.daemon,
      daemonDeploymentArn: d.daemonDeploymentArn,
      statuses: d.statuses,
      eventName: d.eventName,
      consoleUrl,
    },
  };
}

/** Rolled-back daemon deployments: a list below the counts. */
export const DAEMON_DEPLOYMENT_FAILURES: FailureList<
  RecentDaemonDeploymentFailure,
  'daemon-deployments'
> = {
  name: 'daemon-deployments',
  rowClass: 'daemon-deployment',
  columns: [
    ['Cluster/daemon', 'auto'],
    ['Status', '34ch'],
    ['Event', 'auto'],
  ],
  beside: false,
  keyOf: (entry) => entry.daemonDeploymentArn,
  read: readRecentDaemonDeployment,
  row: daemonDeploymentRow,
};
