/**
 * A task state change event (its envelope already checked) → the typed
 * event, or the reason it cannot be used. Never throws. Runs on most
 * records, so it reads only the fields the exporter needs and allocates
 * little.
 */
import { stringField } from '../label-values.js';
import { parseTime } from '../parse-time.js';
import type { EcsTaskEvent } from './task-event.js';
import type { TaskLabelInterner } from './task-labels.js';

type DecodeResult =
  | { readonly ok: true; readonly event: EcsTaskEvent }
  | { readonly ok: false; readonly reason: string };

function invalid(reason: string): DecodeResult {
  return { ok: false, reason };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
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

const NO_EXITS: readonly (readonly [string, number])[] = Object.freeze([]);

/** The containers that have exited: a name and an integer exit code. */
function containerExits(containers: unknown): readonly (readonly [string, number])[] {
  if (!Array.isArray(containers)) return NO_EXITS;
  let exits: [string, number][] | undefined;
  for (const container of containers) {
    if (container !== null && typeof container === 'object') {
      const { name, exitCode } = container as Record<string, unknown>;
      if (
        typeof name === 'string' &&
        typeof exitCode === 'number' &&
        Number.isSafeInteger(exitCode)
      ) {
        if (exits === undefined) exits = [[name, exitCode]];
        else exits.push([name, exitCode]);
      }
    }
  }
  return exits ?? NO_EXITS;
}

export function decodeTaskEvent(
  event: Record<string, unknown>,
  interner: TaskLabelInterner,
): DecodeResult {
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
    ok: true,
    event: {
      taskArn,
      version,
      lastStatus,
      timeMs: typeof time === 'string' ? parseTime(time) : Number.NaN,
      labels: interner.intern(
        stringField(event.account),
        stringField(event.region),
        stringField(d.clusterArn),
        stringField(d.group),
        stringField(d.taskDefinitionArn),
        stringField(d.launchType),
      ),
      stopCode: optionalString(d.stopCode),
      stoppedReason: optionalString(d.stoppedReason),
      // Only a stop is classified by reason: other events skip the walk over containers.
      containerReasons: lastStatus === 'STOPPED' ? containerReasons(d.containers) : NO_REASONS,
      exits: containerExits(d.containers),
      createdAt: optionalString(d.createdAt),
      pullStartedAt: optionalString(d.pullStartedAt),
      pullStoppedAt: optionalString(d.pullStoppedAt),
      startedAt: optionalString(d.startedAt),
      executionStoppedAt: optionalString(d.executionStoppedAt),
      stoppedAt: optionalString(d.stoppedAt),
    },
  };
}
