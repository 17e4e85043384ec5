import { describe, expect, it } from 'vitest';
import { type HealthInput, healthOf } from '../../../src/sources/kinesis/status.js';

const base: HealthInput = {
  lifecycle: 'running',
  stream: 's',
  sinceStartMs: 18_764,
  sinceProgressMs: undefined,
  listed: false,
  stallTimeoutMs: 120_000,
  streamProblem: undefined,
  readerProblems: new Map(),
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
