/**
 * Splits a byte stream into lines in bounded memory: at most one line plus
 * one chunk is held at a time. A line longer than the limit is not buffered;
 * it is reported once as oversized and skipped. Blank lines are dropped.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/** What one chunk of input gave: its records, and the lengths of those too long to hold. */
export interface RecordBatch {
  readonly records: string[];
  readonly oversized: number[];
}

export interface LineHandlers {
  onLine(line: string): void;
  /** A line over the limit was skipped; `length` (in characters) is above the limit. */
  onOversized?(length: number): void;
}

export type Chunks = AsyncIterable<Buffer | string>;

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export async function readLines(
  input: Chunks,
  handlers: LineHandlers,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): Promise<void> {
  for await (const batch of lineBatches(input, maxLineLength)) {
    for (const line of batch.records) handlers.onLine(line);
    for (const length of batch.oversized) handlers.onOversized?.(length);
  }
}

/** The non-blank lines of `input`, one batch per chunk read. */
export async function* lineBatches(
  input: Chunks,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<RecordBatch> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false;
  let skippedChars = 0;
  for await (const chunk of input) {
    const records: string[] = [];
    const oversized: number[] = [];
    const emit = (line: string) => {
      if (!isBlank(line)) records.push(line);
    };
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      const length = pending.length + newline - start;
      if (skipping) {
        oversized.push(skippedChars + newline - start);
        skipping = false;
        skippedChars = 0;
      } else if (length > maxLineLength) {
        // The same limit whether the line came in one chunk or in many.
        oversized.push(length);
        pending = '';
      } else if (pending === '') {
        emit(text.slice(start, newline));
      } else {
        emit(pending + text.slice(start, newline));
        pending = '';
      }
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (skipping) {
      skippedChars += text.length - start;
    } else {
      pending = pending === '' ? text.slice(start) : pending + text.slice(start);
      if (pending.length > maxLineLength) {
        skipping = true;
        skippedChars = pending.length;
        pending = '';
      }
    }
    if (records.length > 0 || oversized.length > 0) yield { records, oversized };
  }
  const rest = pending + decoder.end();
  if (skipping) yield { records: [], oversized: [skippedChars + rest.length] };
  else if (rest.length > maxLineLength) yield { records: [], oversized: [rest.length] };
  else if (!isBlank(rest)) yield { records: [rest], oversized: [] };
}
