import { describe, expect, it } from 'vitest';
import { KINESIS_ERRORS, KINESIS_GET_RECORDS_CALLS } from '../../../src/metrics/catalog.js';
import { createStream, putRecords, waitFor } from '../../helpers/kinesis-server.js';
import {
  awsError,
  injectFaults,
  makeSource,
  metricSum,
  range,
  sorted,
  useKinesisServer,
} from './harness.js';

describe('KinesisSource under throttling and expired iterators', () => {
  const kinesis = useKinesisServer();

  it('backs off, counts the errors and still delivers exactly once', async () => {
    const stream = 'faults';
    await createStream(kinesis().admin, stream, 2);
    const records = range('r', 800);
    await putRecords(kinesis().admin, stream, records);

    const client = kinesis().client();
    const calls = injectFaults(client, (command, n) => {
      if (command === 'GetRecordsCommand') {
        if (n % 3 === 0) {
          return {
            when: 'before',
            error: awsError('ProvisionedThroughputExceededException', 'Rate exceeded for shard'),
          };
        }
        if (n % 5 === 0) {
          return { when: 'after', error: awsError('ExpiredIteratorException', 'Iterator expired') };
        }
        if (n % 7 === 0) {
          const err = new Error('socket hang up') as Error & { code: string };
          err.code = 'ECONNRESET';
          return { when: 'after', error: err };
        }
      }
      if (command === 'GetShardIteratorCommand' && n % 4 === 0) {
        return { when: 'before', error: awsError('LimitExceededException', 'Rate exceeded') };
      }
      return undefined;
    });
    const t = makeSource(client, stream, { maxRecordsPerCall: 40, maxBackoffMs: 400 });
    await t.start();
    const more = range('more', 200);
    await waitFor(() => t.deliveries.length >= 300, 20_000, 'some records');
    await putRecords(kinesis().admin, stream, more);
    const expected = sorted([...records, ...more]);
    await waitFor(() => t.deliveries.length >= expected.length, 30_000, 'all records');
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();

    expect(sorted(t.received())).toEqual(expected);
    const errors = (code: string, operation = 'GetRecords') =>
      metricSum(t.registry, KINESIS_ERRORS, { operation, code });
    expect(await errors('ProvisionedThroughputExceededException')).toBeGreaterThan(0);
    expect(await errors('ExpiredIteratorException')).toBeGreaterThan(0);
    expect(await errors('ECONNRESET')).toBeGreaterThan(0);
    expect(await errors('LimitExceededException', 'GetShardIterator')).toBeGreaterThan(0);
    const throttles = await errors('ProvisionedThroughputExceededException');
    const sent = calls.get('GetRecordsCommand') ?? 0;
    // Every third call was throttled, and the successful calls are counted apart.
    expect(throttles).toBe(Math.floor(sent / 3));
    expect(await metricSum(t.registry, KINESIS_GET_RECORDS_CALLS)).toBeLessThan(sent);
    // Expired iterators and lost responses were replaced by new iterators.
    expect(calls.get('GetShardIteratorCommand') ?? 0).toBeGreaterThan(2);
    expect(t.source.readiness().ok).toBe(false); // stopped
  }, 40_000);

  it('after an expired LATEST iterator, reads what arrived before the new iterator', async () => {
    const stream = 'latest-expired';
    await createStream(kinesis().admin, stream, 1);
    await putRecords(kinesis().admin, stream, range('old', 20));
    // (put before start: LATEST must not deliver them on its first iterator)
    const client = kinesis().client();
    let armed = false;
    const meanwhile = range('meanwhile', 30);
    injectFaults(client, () => undefined);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (armed && context.commandName === 'GetRecordsCommand') {
          armed = false;
          // Records arrive while the iterator is (made) stale.
          await putRecords(kinesis().admin, stream, meanwhile);
          throw awsError('ExpiredIteratorException', 'Iterator expired');
        }
        return next(args);
      },
      { step: 'initialize', name: 'expireOnce' },
    );
    const t = makeSource(client, stream, { startPosition: { type: 'LATEST' } });
    await t.start();
    await waitFor(() => t.source.readiness().ok, 5000, 'readiness');
    armed = true;
    await waitFor(() => t.deliveries.length >= meanwhile.length, 10_000, 'records put meanwhile');
    await new Promise((r) => setTimeout(r, 300));
    await t.source.stop();
    client.destroy();
    // Everything put meanwhile, once; records put up to 5 s before start may come too (the
    // margin against clock skew when a LATEST position is replayed as AT_TIMESTAMP).
    const received = t.received();
    expect(new Set(received).size).toBe(received.length);
    expect(received.filter((r) => r.startsWith('meanwhile'))).toEqual(meanwhile);
    expect(received.every((r) => r.startsWith('meanwhile') || r.startsWith('old'))).toBe(true);
    expect(await metricSum(t.registry, KINESIS_ERRORS, { code: 'ExpiredIteratorException' })).toBe(
      1,
    );
  });
});
