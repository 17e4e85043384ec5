/**
 * Health and readiness of the Kinesis source from its readers' progress and
 * failures: before the first read, through blips, throttling and outages,
 * against the stall timeout. No server.
 */
import { describe, expect, it } from 'vitest';
import type { ShardInfo } from '../../../src/sources/kinesis/shard-state.js';
import {
  type Failing,
  type HealthInput,
  healthOf,
  type ReadinessInput,
  readinessOf,
} from '../../../src/sources/kinesis/status.js';

const base: HealthInput = {
  lifecycle: 'running',
  stream: 's',
  sinceStartMs: 18_764,
  sinceProgressMs: undefined,
  listed: false,
  stallTimeoutMs: 120_000,
  streamProblem: undefined,
  readerProblems: new Map(),
  nowMs: 1_000_000,
};

describe('health of the Kinesis source', () => {
  it('is not healthy before a read really returned, saying what is awaited and why', () => {
    expect(healthOf(base)).toEqual({
      ok: false,
      reason: 'shards of stream s not listed yet (started 19 s ago)',
    });
    expect(
      healthOf({
        ...base,
        streamProblem: { code: 'CredentialsProviderError', reason: 'no AWS credentials (...)' },
      }).reason,
    ).toBe('shards of stream s not listed yet (started 19 s ago); no AWS credentials (...)');
    expect(healthOf({ ...base, listed: true }).reason).toBe(
      'no shard of stream s read yet (started 19 s ago)',
    );
  });

  it('is healthy after progress within the stall timeout, and not after it', () => {
    expect(healthOf({ ...base, listed: true, sinceProgressMs: 1500 })).toEqual({
      ok: true,
      reason: 'a shard reader made progress 1500 ms ago',
    });
    expect(healthOf({ ...base, listed: true, sinceProgressMs: 130_000 })).toEqual({
      ok: false,
      reason: 'no shard reader made progress for 130 s (stall timeout 120 s)',
    });
  });
});

const refused: Failing['problem'] = {
  code: 'ECONNREFUSED',
  reason:
    'cannot reach the Kinesis endpoint 127.0.0.1:4567 (ECONNREFUSED) to read shard a of stream s',
  kind: 'unreachable',
};

function failing(problem: Failing['problem'], sinceMs: number, failures: number): Failing {
  return { problem, sinceMs, failures };
}

describe('readiness of the Kinesis source during an outage', () => {
  const shard = (id: string): ShardInfo => ({
    id,
    parents: [],
    startingSequenceNumber: '1',
    closed: false,
  });
  const listing = new Map([
    ['a', shard('a')],
    ['b', shard('b')],
  ]);
  const ready: ReadinessInput = {
    lifecycle: 'running',
    stream: 's',
    streamProblem: undefined,
    listing,
    everRead: new Set(['a', 'b']),
    readerProblems: new Map(),
    nowMs: 1_000_000,
  };

  it('stays ready through a blip and fails at the third failure in a row, naming the cause', () => {
    expect(readinessOf(ready).ok).toBe(true);
    const blip = new Map([['a', failing(refused, 999_000, 2)]]);
    expect(readinessOf({ ...ready, readerProblems: blip }).ok).toBe(true);
    const outage = new Map([['a', failing(refused, 998_000, 3)]]);
    expect(readinessOf({ ...ready, readerProblems: outage })).toEqual({
      ok: false,
      reason: `reading 1 of 2 open shards of stream s failing for 2 s (3 calls in a row): ${refused.reason}`,
    });
  });

  it('counts throttling by time only', () => {
    const throttled = {
      code: 'ProvisionedThroughputExceededException',
      reason: 't',
      kind: 'throttled' as const,
    };
    const many = new Map([['a', failing(throttled, 995_000, 20)]]);
    expect(readinessOf({ ...ready, readerProblems: many }).ok).toBe(true);
    const long = new Map([['a', failing(throttled, 990_000, 1)]]);
    expect(readinessOf({ ...ready, readerProblems: long }).reason).toBe(
      'reading 1 of 2 open shards of stream s failing for 10 s (1 call): t',
    );
  });
});

describe('health of the Kinesis source during an outage', () => {
  const running: HealthInput = { ...base, listed: true, sinceProgressMs: 4000 };

  it('fails before the stall timeout when a certain failure lasts and nothing progressed since', () => {
    const outage = new Map([['a', failing(refused, 997_000, 3)]]);
    expect(healthOf({ ...running, readerProblems: outage })).toEqual({
      ok: false,
      reason: `no shard reader made progress for 4 s; Kinesis calls failing for 3 s (3 calls in a row): ${refused.reason}`,
    });
  });

  it('stays healthy for a blip, for uncertain failures, and while another reader progresses', () => {
    const blip = new Map([['a', failing(refused, 997_000, 2)]]);
    expect(healthOf({ ...running, readerProblems: blip }).ok).toBe(true);
    const transient = new Map([['a', failing({ ...refused, kind: 'transient' }, 997_000, 9)]]);
    expect(healthOf({ ...running, readerProblems: transient }).ok).toBe(true);
    const oneShard = new Map([['a', failing(refused, 997_000, 9)]]);
    expect(healthOf({ ...running, sinceProgressMs: 200, readerProblems: oneShard }).ok).toBe(true);
  });
});
