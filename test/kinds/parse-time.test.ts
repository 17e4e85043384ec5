/**
 * parseTime agrees with Date.parse on ECS timestamps, any date-time and any
 * near-miss (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/kinds/parse-time.js';

describe('parseTime', () => {
  it('gives what Date.parse gives for ECS timestamps, with fractions of any length or none', () => {
    for (const text of [
      '2021-07-12T05:43:29.769Z',
      '2021-07-12T05:44:09Z',
      '2021-07-12T05:43:29.7Z',
      '2021-07-12T05:43:29.769123456Z',
      '2024-02-29T23:59:59.999Z',
      '2021-02-29T00:00:00Z',
      '2021-13-01T00:00:00Z',
      '2021-07-12T24:00:00Z',
      '2021-07-12T05:43:29.Z',
      '2021-07-12T05:43:29.76xZ',
      '2021-07-12T05:43:29+00:00',
      '+275760-09-13T00:00:00.000Z',
      '0050-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      'garbage',
      '',
    ]) {
      expect(parseTime(text), text).toEqual(Date.parse(text));
    }
  });

  it('agrees with Date.parse on any date-time and any near-miss', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
        fc.integer({ min: 0, max: 9 }),
        fc.string({ maxLength: 3 }),
        (date, digits, noise) => {
          const iso = date.toISOString();
          const variants = [
            iso,
            iso.replace(/\.\d{3}Z$/, 'Z'),
            iso.replace(/\d{3}Z$/, `${'1234567890'.slice(0, digits)}Z`),
            `${iso.slice(0, 10)}${noise}${iso.slice(10)}`,
          ];
          for (const text of variants) expect(parseTime(text), text).toEqual(Date.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
