/**
 * parseStartPosition: the keywords, AT_TIMESTAMP with an ISO-8601 date-time,
 * and the round trip through formatStartPosition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatStartPosition,
  parseStartPosition,
} from '../../../src/sources/kinesis/start-position.js';

describe('parseStartPosition', () => {
  it('parses the keywords', () => {
    expect(parseStartPosition('TRIM_HORIZON')).toEqual({ type: 'TRIM_HORIZON' });
    expect(parseStartPosition('LATEST')).toEqual({ type: 'LATEST' });
    expect(parseStartPosition(' latest ')).toEqual({ type: 'LATEST' });
  });

  it('parses AT_TIMESTAMP with an ISO-8601 date-time', () => {
    expect(parseStartPosition('AT_TIMESTAMP=2024-05-01T12:00:00Z')).toEqual({
      type: 'AT_TIMESTAMP',
      timestamp: new Date('2024-05-01T12:00:00Z'),
    });
    expect(parseStartPosition('AT_TIMESTAMP=2024-05-01T14:00:00.250+02:00')).toEqual({
      type: 'AT_TIMESTAMP',
      timestamp: new Date('2024-05-01T12:00:00.250Z'),
    });
  });

  it.each([
    '',
    'EARLIEST',
    'AT_TIMESTAMP',
    'AT_TIMESTAMP=',
    'AT_TIMESTAMP=yesterday',
    'AT_TIMESTAMP=1714564800',
    'AT_TIMESTAMP=2024-13-45T00:00:00Z',
    'AT_SEQUENCE_NUMBER=123',
  ])('rejects %j with a message naming the accepted forms', (text) => {
    expect(() => parseStartPosition(text)).toThrow(
      /invalid start position.*(TRIM_HORIZON|ISO-8601)/,
    );
  });

  it('round-trips through formatStartPosition', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const position = { type: 'AT_TIMESTAMP' as const, timestamp: date };
          expect(parseStartPosition(formatStartPosition(position))).toEqual(position);
        },
      ),
    );
  });
});
