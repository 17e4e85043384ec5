/**
 * Classifying AWS and network errors into bounded codes, and the backoff
 * delay: exponential from 100 ms, capped at 10 s, full jitter. No server.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../../../src/base/aws-error.js';
import { backoffDelay, classifyError } from '../../../src/sources/kinesis/errors.js';

function named(name: string): Error {
  const err = new Error('x');
  err.name = name;
  return err;
}

describe('error classification', () => {
  it('sorts AWS and network errors', () => {
    expect(classifyError(named('ProvisionedThroughputExceededException'))).toBe('throttled');
    expect(classifyError(named('LimitExceededException'))).toBe('throttled');
    expect(classifyError(named('ExpiredIteratorException'))).toBe('expired-iterator');
    expect(classifyError(named('ResourceNotFoundException'))).toBe('not-found');
    expect(classifyError(named('AccessDeniedException'))).toBe('access-denied');
    expect(classifyError(named('InvalidArgumentException'))).toBe('invalid-argument');
    expect(classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      'unreachable',
    );
    expect(classifyError(Object.assign(new Error('no host'), { code: 'ENOTFOUND' }))).toBe(
      'unreachable',
    );
    expect(classifyError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      'transient',
    );
    expect(classifyError(named('CredentialsProviderError'))).toBe('no-credentials');
    expect(classifyError(named('UnrecognizedClientException'))).toBe('credentials-rejected');
    expect(classifyError(named('ExpiredTokenException'))).toBe('credentials-rejected');
    expect(classifyError(named('TimeoutError'))).toBe('transient');
  });

  it('gives bounded codes', () => {
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorCode(named('ProvisionedThroughputExceededException'))).toBe(
      'ProvisionedThroughputExceededException',
    );
    expect(errorCode(new Error('plain'))).toBe('Unknown');
    expect(errorCode('a string')).toBe('Unknown');
    expect(errorCode(named('has spaces and {json}'))).toBe('Unknown');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from 100 ms, capped at 10 s, with full jitter', () => {
    expect(backoffDelay(0, 100, 10_000, () => 0.999_999)).toBe(99);
    expect(backoffDelay(3, 100, 10_000, () => 0.999_999)).toBe(799);
    expect(backoffDelay(20, 100, 10_000, () => 0.999_999)).toBe(9999);
    expect(backoffDelay(5, 100, 10_000, () => 0)).toBe(0);
  });

  it('stays within [0, min(cap, base * 2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelay(attempt, 100, 10_000, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(10_000, 100 * 2 ** Math.min(attempt, 30)));
        },
      ),
    );
  });
});
