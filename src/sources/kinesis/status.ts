/**
 * The readiness and health verdicts of the Kinesis source, and how a failed
 * call is described in them. Pure: the orchestrator hands in what it knows,
 * including how long ago a reader made progress.
 */

import { errorHost, errorMessage } from '../../base/aws-error.js';
import type { Check } from '../../base/check.js';
import type { ErrorKind } from './errors.js';
import type { ShardInfo } from './shard-state.js';

/** Why listing or reading fails now. */
export interface Problem {
  readonly code: string;
  readonly reason: string;
  /** Absent for problems not made by describeProblem (they count as transient). */
  readonly kind?: ErrorKind;
}

/** A reader's problem that lasts: since when, and how many calls in a row failed. */
export interface Failing {
  readonly problem: Problem;
  readonly sinceMs: number;
  readonly failures: number;
}

/**
 * A reader that failed this many calls in a row, or for this long, is an
 * outage rather than a blip: readiness fails at once, naming it. Throttling
 * counts by time only (backing off from it is normal work).
 */
export const OUTAGE_FAILURES = 3;
export const OUTAGE_MS = 10_000;

/**
 * Failures that retrying will not end by itself: nothing listens at the
 * endpoint, or AWS refuses the caller. Health follows them once they last
 * and no reader made progress since they began, instead of waiting for the
 * stall timeout.
 */
export const CERTAIN_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'unreachable',
  'access-denied',
  'credentials-rejected',
  'no-credentials',
]);

export function isOutage(failing: Failing, nowMs: number): boolean {
  if (nowMs - failing.sinceMs >= OUTAGE_MS) return true;
  return failing.problem.kind !== 'throttled' && failing.failures >= OUTAGE_FAILURES;
}

function describeFailing(failing: Failing, nowMs: number): string {
  const calls = failing.failures === 1 ? '1 call' : `${failing.failures} calls in a row`;
  return `failing for ${seconds(nowMs - failing.sinceMs)} s (${calls}): ${failing.problem.reason}`;
}

export type Lifecycle = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** The action of ListShards, as it reads in a reason. */
export const LIST_ACTION = 'list the shards of';

export function describeProblem(
  kind: ErrorKind,
  code: string,
  err: unknown,
  action: string,
  stream: string,
): Problem {
  return { ...describeReason(kind, code, err, action, stream), kind };
}

function describeReason(
  kind: ErrorKind,
  code: string,
  err: unknown,
  action: string,
  stream: string,
): Omit<Problem, 'kind'> {
  switch (kind) {
    case 'not-found':
      return {
        code,
        reason:
          action === LIST_ACTION
            ? `stream ${stream} not found (${code}); retrying`
            : `cannot ${action} stream ${stream}: not found (${code}); retrying`,
      };
    case 'access-denied':
      return {
        code,
        reason: `access denied (${code}) to ${action} stream ${stream}: ${errorMessage(err)}`,
      };
    case 'no-credentials':
      return {
        code,
        reason: `no AWS credentials (${code}) to ${action} stream ${stream}: ${errorMessage(err)}; provide them the standard SDK way (environment, shared config files, web identity, container or instance role)`,
      };
    case 'credentials-rejected':
      return {
        code,
        reason: `AWS rejected the credentials (${code}) to ${action} stream ${stream}: ${errorMessage(err)}`,
      };
    case 'unreachable': {
      const host = errorHost(err);
      return {
        code,
        reason: `cannot reach the Kinesis endpoint${host === undefined ? '' : ` ${host}`} (${code}) to ${action} stream ${stream}: check the region (AWS_REGION) and endpoint (AWS_ENDPOINT_URL_KINESIS) and the network; retrying`,
      };
    }
    case 'throttled':
      return { code, reason: `throttled (${code}) trying to ${action} stream ${stream}` };
    default:
      return {
        code,
        reason: `cannot ${action} stream ${stream}: ${code}: ${errorMessage(err)}`,
      };
  }
}

function lifecycleCheck(lifecycle: Lifecycle): Check | undefined {
  if (lifecycle === 'new') return { ok: false, reason: 'Kinesis source not started' };
  if (lifecycle === 'stopping' || lifecycle === 'stopped') {
    return { ok: false, reason: 'Kinesis source stopped' };
  }
  return undefined;
}

export interface ReadinessInput {
  readonly lifecycle: Lifecycle;
  readonly stream: string;
  readonly streamProblem: Problem | undefined;
  /** The latest successful listing; undefined before the first. */
  readonly listing: ReadonlyMap<string, ShardInfo> | undefined;
  /** Shards with a successful GetRecords since start (or since the stream was recreated). */
  readonly everRead: ReadonlySet<string>;
  readonly readerProblems: ReadonlyMap<string, Failing>;
  readonly nowMs: number;
}

/**
 * Ready once every open shard was read at least once, and while no open
 * shard's reader is in an outage (see OUTAGE_FAILURES).
 */
export function readinessOf(input: ReadinessInput): Check {
  const stopped = lifecycleCheck(input.lifecycle);
  if (stopped !== undefined) return stopped;
  const stream = input.stream;
  if (input.streamProblem !== undefined) return { ok: false, reason: input.streamProblem.reason };
  if (input.listing === undefined) {
    return { ok: false, reason: `shards of stream ${stream} not listed yet` };
  }
  const open = [...input.listing.values()].filter((s) => !s.closed);
  if (open.length === 0) {
    return { ok: false, reason: `stream ${stream} has no open shards (yet)` };
  }
  const pending = open.filter((s) => !input.everRead.has(s.id));
  if (pending.length > 0) {
    const problems = pending
      .map((s) => input.readerProblems.get(s.id)?.problem)
      .filter((p): p is Problem => p !== undefined);
    const ids = pending.map((s) => s.id);
    const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', ...' : '');
    const why = problems.length > 0 ? `; ${problems[0]?.reason}` : '';
    return {
      ok: false,
      reason: `${pending.length} of ${open.length} open shards of stream ${stream} not read yet (${shown})${why}`,
    };
  }
  const failing = open
    .map((s) => input.readerProblems.get(s.id))
    .filter((f): f is Failing => f !== undefined && isOutage(f, input.nowMs));
  const first = failing[0];
  if (first !== undefined) {
    return {
      ok: false,
      reason: `reading ${failing.length} of ${open.length} open shards of stream ${stream} ${describeFailing(first, input.nowMs)}`,
    };
  }
  return { ok: true, reason: `all ${open.length} open shards of stream ${stream} read` };
}

export interface HealthInput {
  readonly lifecycle: Lifecycle;
  readonly stream: string;
  /** Time since the source started. */
  readonly sinceStartMs: number;
  /** Time since a reader last made progress (a read returned); undefined before the first. */
  readonly sinceProgressMs: number | undefined;
  /** Whether the shards were listed at least once. */
  readonly listed: boolean;
  readonly stallTimeoutMs: number;
  readonly streamProblem: Problem | undefined;
  readonly readerProblems: ReadonlyMap<string, Failing>;
  readonly nowMs: number;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/**
 * Healthy once a read really returned and while some reader made progress
 * within the stall timeout. Before the first read it fails, saying what is
 * awaited and why it has not happened. A certain failure (CERTAIN_KINDS) in
 * an outage, with no progress since it began, fails it without waiting for
 * the stall timeout.
 */
export function healthOf(input: HealthInput): Check {
  const stopped = lifecycleCheck(input.lifecycle);
  if (stopped !== undefined) return stopped;
  const problem = input.streamProblem ?? [...input.readerProblems.values()][0]?.problem;
  const why = problem === undefined ? '' : `; ${problem.reason}`;
  const since = input.sinceProgressMs;
  if (since === undefined) {
    const waiting = input.listed
      ? `no shard of stream ${input.stream} read yet`
      : `shards of stream ${input.stream} not listed yet`;
    return { ok: false, reason: `${waiting} (started ${seconds(input.sinceStartMs)} s ago)${why}` };
  }
  const certain = [...input.readerProblems.values()].find(
    (f) =>
      f.problem.kind !== undefined &&
      CERTAIN_KINDS.has(f.problem.kind) &&
      isOutage(f, input.nowMs) &&
      since >= input.nowMs - f.sinceMs,
  );
  if (certain !== undefined && since <= input.stallTimeoutMs) {
    return {
      ok: false,
      reason: `no shard reader made progress for ${seconds(since)} s; Kinesis calls ${describeFailing(certain, input.nowMs)}`,
    };
  }
  if (since <= input.stallTimeoutMs) {
    return { ok: true, reason: `a shard reader made progress ${since} ms ago` };
  }
  return {
    ok: false,
    reason: `no shard reader made progress for ${seconds(since)} s (stall timeout ${seconds(input.stallTimeoutMs)} s)${why}`,
  };
}
