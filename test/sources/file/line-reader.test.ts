/**
 * readLines: lines across chunk boundaries, blank lines and CRLF, UTF-8 split
 * across chunks, over-long lines skipped without buffering, the same lines
 * whatever the chunking.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../../src/sources/file/line-reader.js';

async function collect(chunks: (string | Buffer)[], max?: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  await readLines(
    Readable.from(chunks),
    { onLine: (l) => lines.push(l), onOversized: (n) => oversized.push(n) },
    max,
  );
  return { lines, oversized };
}

describe('readLines', () => {
  it('splits lines across chunk boundaries and keeps a last line without newline', async () => {
    const { lines } = await collect(['{"a":', '1}\n{"b"', ':2}\n', '{"c":3}']);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('skips blank and whitespace-only lines, CRLF included', async () => {
    const { lines } = await collect(['\n\n{"a":1}\r\n  \r\n\t\n{"b":2}\n\n']);
    expect(lines).toEqual(['{"a":1}\r', '{"b":2}']);
  });

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('{"reason":"é ✓ 🚀"}\n');
    const { lines } = await collect([
      bytes.subarray(0, 14),
      bytes.subarray(14, 17),
      bytes.subarray(17),
    ]);
    expect(lines).toEqual(['{"reason":"é ✓ 🚀"}']);
  });

  it('skips an over-long line without buffering it, and goes on', async () => {
    const { lines, oversized } = await collect(
      ['x'.repeat(40), 'y'.repeat(40), '\n{"ok":1}\n'],
      50,
    );
    expect(lines).toEqual(['{"ok":1}']);
    expect(oversized).toEqual([80]);
  });

  it('gives the same lines whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
        async (rawLines, cuts) => {
          const text = rawLines.map((l) => l.replaceAll('\n', ' ')).join('\n');
          const bytes = Buffer.from(text);
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length] as number;
            chunks.push(bytes.subarray(at, at + size));
            at += size;
          }
          const { lines } = await collect(chunks);
          expect(lines).toEqual(text.split('\n').filter((l) => !/^[ \t\r]*$/.test(l)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
