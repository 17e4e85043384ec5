/**
 * Bytes of one record → a typed task event, or the reason it cannot be used.
 * Never throws: the batch loop relies on that. Runs on every record, so it
 * reads only the fields the exporter needs and allocates little.
 */
import { TaskLabelInterner } from './labels.js';
import { parseTime } from './parse-time.js';
import { type EcsTaskEvent, TASK_EVENT_DETAIL_TYPE, TASK_EVENT_SOURCE } from './task-event.js';

export type DecodeResult =
  | { readonly kind: 'task'; readonly event: EcsTaskEvent }
  | { readonly kind: 'ignored'; readonly source: string; readonly detailType: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const decoder = new TextDecoder('utf-8', { fatal: false });
const interner = new TaskLabelInterner();

function invalid(reason: string): DecodeResult {
  return { kind: 'invalid', reason };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const NO_REASONS: readonly string[] = Object.freeze([]);

function containerReasons(containers: unknown): readonly string[] {
  if (!Array.isArray(containers)) return NO_REASONS;
  let reasons: string[] | undefined;
  for (const container of containers) {
    if (container !== null && typeof container === 'object') {
      const reason = (container as Record<string, unknown>).reason;
      if (typeof reason === 'string' && reason !== '') {
        if (reasons === undefined) reasons = [reason];
        else reasons.push(reason);
      }
    }
  }
  return reasons ?? NO_REASONS;
}

export function decodeRecord(data: string | Uint8Array): DecodeResult {
  const text = typeof data === 'string' ? data : decoder.decode(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid('not JSON');
  }
  return decodeEvent(parsed);
}

/** An already parsed JSON value → a typed task event, or the reason it cannot be used. */
export function decodeEvent(parsed: unknown): DecodeResult {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return invalid('not a JSON object');
  }
  const event = parsed as Record<string, unknown>;
  const source = event.source;
  const detailType = event['detail-type'];
  if (typeof source !== 'string') return invalid('no source');
  if (typeof detailType !== 'string') return invalid('no detail-type');
  if (source !== TASK_EVENT_SOURCE || detailType !== TASK_EVENT_DETAIL_TYPE) {
    return { kind: 'ignored', source, detailType };
  }
  const detail = event.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return invalid('detail is not an object');
  }
  const d = detail as Record<string, unknown>;
  const taskArn = d.taskArn;
  const lastStatus = d.lastStatus;
  const version = d.version;
  if (typeof taskArn !== 'string') return invalid('detail.taskArn is not a string');
  if (typeof lastStatus !== 'string') return invalid('detail.lastStatus is not a string');
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    return invalid('detail.version is not an integer');
  }
  const time = event.time;
  return {
    kind: 'task',
    event: {
      taskArn,
      version,
      lastStatus,
      timeMs: typeof time === 'string' ? parseTime(time) : Number.NaN,
      labels: interner.intern(
        stringOrEmpty(d.clusterArn),
        stringOrEmpty(d.group),
        stringOrEmpty(d.taskDefinitionArn),
        stringOrEmpty(d.launchType),
      ),
      stopCode: optionalString(d.stopCode),
      stoppedReason: optionalString(d.stoppedReason),
      // Only a stop is classified by reason: other events skip the walk over containers.
      containerReasons: lastStatus === 'STOPPED' ? containerReasons(d.containers) : NO_REASONS,
      createdAt: optionalString(d.createdAt),
      pullStartedAt: optionalString(d.pullStartedAt),
      pullStoppedAt: optionalString(d.pullStoppedAt),
      startedAt: optionalString(d.startedAt),
      executionStoppedAt: optionalString(d.executionStoppedAt),
      stoppedAt: optionalString(d.stoppedAt),
    },
  };
}
