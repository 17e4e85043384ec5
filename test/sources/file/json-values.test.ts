/**
 * jsonValueBatches and detectFormat: the same JSON values whatever the
 * chunking and spacing, arrays and log event listings, junk and cut-off
 * values handed on, formats told apart by their first bytes.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../src/sources/file/archive-format.js';
import { jsonValueBatches, type ValueMode } from '../../../src/sources/file/json-values.js';

async function collect(chunks: (string | Buffer)[], mode: ValueMode, max?: number) {
  const records: string[] = [];
  const oversized: number[] = [];
  for await (const batch of jsonValueBatches(Readable.from(chunks), mode, max)) {
    records.push(...batch.records);
    oversized.push(...batch.oversized);
  }
  return { records, oversized };
}

const value = fc.dictionary(
  fc.string({ maxLength: 6 }),
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.integer(),
    fc.constant([1, { '}': ']' }]),
  ),
  { maxKeys: 4 },
);

describe('jsonValueBatches', () => {
  it('gives the same values whatever the chunking and the spacing between them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(value, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (values, cuts, pretty) => {
          const text = values
            .map((v) => JSON.stringify(v, null, pretty ? 2 : 0))
            .join(pretty ? '\n' : '');
          const bytes = Buffer.from(text);
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...at].map((from, i) => bytes.subarray(from, at[i] ?? bytes.length));
          const { records } = await collect(chunks, 'values');
          expect(records.map((r) => JSON.parse(r))).toEqual(values);
        },
      ),
    );
  });

  it('gives the elements of a top-level array, and of the events of a log events listing', async () => {
    expect((await collect(['[{"a":1},', ' {"b":[2]}]'], 'array')).records).toEqual([
      '{"a":1}',
      '{"b":[2]}',
    ]);
    const listing =
      '{"searchedLogStreams":[{"x":"events"}],"events":[{"message":"{}"},{"m":1}],"nextToken":"t"}';
    expect(
      (await collect([listing.slice(0, 30), listing.slice(30)], 'log-events')).records,
    ).toEqual(['{"message":"{}"}', '{"m":1}']);
  });

  it('hands on junk between values and a value cut off at the end, and skips an over-long value once', async () => {
    expect((await collect(['{"a":1} x y\n{"b":2}]{"c":'], 'values')).records).toEqual([
      '{"a":1}',
      'x y',
      '{"b":2}',
      ']',
      '{"c":',
    ]);
    const { records, oversized } = await collect(
      ['{"a":"', 'x'.repeat(40), 'y'.repeat(40), '"}{"ok":1}'],
      'values',
      50,
    );
    expect(records).toEqual(['{"ok":1}']);
    expect(oversized).toEqual([88]);
  });
});

describe('detectFormat', () => {
  it('tells the formats apart from their first bytes', () => {
    const event = '{"source":"aws.ecs","detail-type":"x"}';
    expect(detectFormat(`${event}\r\n${event}\r\n`, true)).toEqual({ format: 'ndjson' });
    expect(detectFormat(`{broken\n${event}\n`, true)).toEqual({ format: 'ndjson' });
    expect(detectFormat(`${event}${event}`, true)).toEqual({ format: 'json-concatenated' });
    expect(detectFormat('{\n  "source": "aws.ecs"\n}\n{', true)).toEqual({ format: 'json-pretty' });
    expect(detectFormat('\uFEFF[\n', false)).toEqual({ format: 'json-array' });
    expect(detectFormat('{\n    "events": [', false)).toEqual({ format: 'cloudwatch-logs-events' });
    expect(detectFormat(`2021-07-12T05:44:09.000Z ${event}\n`, true)).toEqual({
      format: 'cloudwatch-logs-export',
    });
    expect(detectFormat(' \n\t', true)).toEqual({ format: 'empty' });
    expect(detectFormat('\n  é<xml>', true)).toEqual({ offset: 3 });
  });
});
