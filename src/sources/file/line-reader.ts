/**
 * Splits a byte stream into lines in bounded memory: at most one line plus
 * one chunk is held at a time. A line longer than the limit is not buffered;
 * it is reported once as oversized and skipped. Blank lines are dropped.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

export interface LineHandlers {
  onLine(line: string): void;
  /** A line over the limit was skipped; `length` (in characters) is above the limit. */
  onOversized?(length: number): void;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export async function readLines(
  input: Readable,
  handlers: LineHandlers,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false;
  let skippedChars = 0;
  const emit = (line: string) => {
    if (!isBlank(line)) handlers.onLine(line);
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      const length = pending.length + newline - start;
      if (skipping) {
        handlers.onOversized?.(skippedChars + newline - start);
        skipping = false;
        skippedChars = 0;
      } else if (length > maxLineLength) {
        // The same limit whether the line came in one chunk or in many.
        handlers.onOversized?.(length);
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
  }
  const rest = pending + decoder.end();
  if (skipping) handlers.onOversized?.(skippedChars + rest.length);
  else if (rest.length > maxLineLength) handlers.onOversized?.(rest.length);
  else emit(rest);
}
