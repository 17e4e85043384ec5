/**
 * The deployment lifecycle hooks listed as failures: a hook whose status is
 * `failed` (HOOK_FAILED). A hook that `timed_out` is not listed: the contract
 * counts it as its own status, a pause hook nobody approved in time.
 * The entry a failed hook makes, one per hook execution (hookId), how a
 * saved entry is read back, and its row on the landing page.
 */
import type { FailurePlace, FailureRow } from '../../failure-view.js';
import { deploymentsConsoleUrl } from '../console-link.js';
import {
  boundText,
  entryTime,
  type FailureList,
  placeOf,
  type RecentList,
  readEntry,
} from '../recent-failures.js';

/** The status that lists a hook. */
export const HOOK_FAILED_STATUS = 'failed';

/** A failed hook, at the time of its latest failed event. */
export interface RecentHookFailure extends FailurePlace {
  readonly hookId: string;
  readonly lifecycleStage: string;
  readonly hookType: string;
  readonly serviceDeploymentArn: string;
}

const HOOK_TEXTS = ['hookId', 'lifecycleStage', 'hookType', 'serviceDeploymentArn'] as const;

export function readRecentHook(value: unknown): RecentHookFailure {
  const { place, texts } = readEntry(value, HOOK_TEXTS, 'recent hook failure');
  return { ...place, ...texts };
}

/** The fields of a hook's failed event an entry is made of, bar its time and place. */
export type HookFailure = Omit<RecentHookFailure, keyof FailurePlace>;

/** The order two entries of one hook keep: the later time, on a tie the greater content. */
const rank = (e: RecentHookFailure): string =>
  JSON.stringify([e.lifecycleStage, e.hookType, e.serviceDeploymentArn, e.cluster, e.service]);

/**
 * Lists a hook's failed event: one entry per hook, showing its latest failed
 * event (on a tie the greater content), so the entry is the same in any order.
 */
export function listHookFailure(
  recent: RecentList<RecentHookFailure>,
  labels: readonly string[],
  hook: HookFailure,
  timeMs: number,
): void {
  const [account = '', region = '', cluster = '', service = ''] = labels;
  const entry: RecentHookFailure = {
    timeMs: entryTime(timeMs),
    account,
    region,
    cluster,
    service,
    hookId: boundText(hook.hookId, 256),
    lifecycleStage: boundText(hook.lifecycleStage, 128),
    hookType: boundText(hook.hookType, 128),
    serviceDeploymentArn: boundText(hook.serviceDeploymentArn),
  };
  recent.putLatest(entry, rank);
}

function hookRow(h: RecentHookFailure): FailureRow {
  const consoleUrl = deploymentsConsoleUrl(h.region, h.cluster, h.service);
  const where = h.service === '' ? h.cluster : `${h.cluster}/${h.service}`;
  return {
    ...placeOf(h),
    what: `hook ${HOOK_FAILED_STATUS}`,
    tint: 'outcome',
    cells: [
      { code: where, href: consoleUrl, hover: `${where} ${h.serviceDeploymentArn}` },
      { text: h.lifecycleStage },
      { text: h.hookType },
      { code: h.hookId, href: null },
    ],
    json: {
      hookId: h.hookId,
      lifecycleStage: h.lifecycleStage,
      hookType: h.hookType,
      serviceDeploymentArn: h.serviceDeploymentArn,
      status: HOOK_FAILED_STATUS,
      consoleUrl,
    },
  };
}

/** Failed hooks: a list below the counts. */
export const HOOK_FAILURES: FailureList<RecentHookFailure, 'hooks'> = {
  name: 'hooks',
  rowClass: 'hook',
  columns: [
    ['Cluster/service', 'auto'],
    ['Lifecycle stage', '26ch'],
    ['Hook type', '12ch'],
    ['Hook', 'auto'],
  ],
  beside: false,
  keyOf: (entry) => entry.hookId,
  read: readRecentHook,
  row: hookRow,
};
