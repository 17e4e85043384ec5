/**
 * Splits a stream of JSON text into values without parsing it: pretty-printed
 * documents one after another, objects back to back with nothing between
 * them (as Firehose writes them to S3), the elements of a top-level array,
 * or the elements of the top-level `events` array of `aws logs
 * filter-log-events` / `get-log-events` output. Only brackets, braces and
 * strings are followed, so memory is one value plus one chunk; a value over
 * the limit is skipped and reported once. Text between values that is not
 * whitespace is handed on as a record of its own, to be counted invalid.
 */
import { StringDecoder } from 'node:string_decoder';
import { type Chunks, DEFAULT_MAX_LINE_LENGTH, isBlank, type RecordBatch } from './line-reader.js';

/** Which values are records: top-level ones, a top-level array's, or `events[]` of a log events listing. */
export type ValueMode = 'values' | 'array' | 'log-events';

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const NEWLINE = 10;
const MAX_KEY = 64;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
}

export async function* jsonValueBatches(
  input: Chunks,
  mode: ValueMode,
  maxValueLength: number = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<RecordBatch> {
  const decoder = new StringDecoder('utf8');
  // The depth at which a value that is a record opens.
  const recordDepth = mode === 'values' ? 0 : mode === 'array' ? 1 : 2;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let topIsArray = false;
  let inEvents = false;
  let lastKey = '';
  let keyPending: string | undefined;
  // The record in progress: its text from earlier chunks, or only its length when dropped.
  let collecting = false;
  let dropping = false;
  let pending = '';
  let dropped = 0;
  let junk = false;
  let junkPending = '';

  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const records: string[] = [];
    const oversized: number[] = [];
    let start = 0;
    let junkStart = 0;
    let keyStart = 0;
    const endJunk = (end: number) => {
      const run = junkPending + text.slice(junkStart, end);
      if (!isBlank(run)) records.push(run.trim());
      junk = false;
      junkPending = '';
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (keyPending !== undefined) {
            lastKey = (keyPending + text.slice(keyStart, i)).slice(0, MAX_KEY);
            keyPending = undefined;
          }
        }
        continue;
      }
      if (junk) {
        if (c !== LBRACE && c !== LBRACKET && c !== NEWLINE) continue;
        endJunk(i);
      }
      if (c === QUOTE && depth > 0) {
        inString = true;
        if (mode === 'log-events' && depth === 1) {
          keyPending = '';
          keyStart = i + 1;
        }
      } else if (c === LBRACE || c === LBRACKET) {
        if (
          !collecting &&
          depth === recordDepth &&
          (mode === 'values' || (mode === 'array' ? topIsArray : inEvents))
        ) {
          collecting = true;
          dropping = false;
          start = i;
        }
        if (depth === 0) topIsArray = c === LBRACKET;
        if (mode === 'log-events' && depth === 1 && c === LBRACKET) inEvents = lastKey === 'events';
        depth++;
      } else if (c === RBRACE || c === RBRACKET) {
        if (depth === 0) {
          junk = true;
          junkStart = i;
          continue;
        }
        depth--;
        if (mode === 'log-events' && depth === 1) inEvents = false;
        if (collecting && depth === recordDepth) {
          if (dropping) oversized.push(dropped + i + 1 - start);
          else
            records.push(
              pending === '' ? text.slice(start, i + 1) : pending + text.slice(start, i + 1),
            );
          collecting = false;
          pending = '';
        }
      } else if (depth === 0 && !isSpace(c)) {
        junk = true;
        junkStart = i;
      }
    }
    if (collecting) {
      if (dropping) dropped += text.length - start;
      else {
        pending += text.slice(start);
        if (pending.length > maxValueLength) {
          dropping = true;
          dropped = pending.length;
          pending = '';
        }
      }
    }
    if (junk) junkPending = (junkPending + text.slice(junkStart)).slice(0, maxValueLength);
    if (keyPending !== undefined)
      keyPending = (keyPending + text.slice(keyStart)).slice(0, MAX_KEY);
    if (records.length > 0 || oversized.length > 0) yield { records, oversized };
  }
  const rest = decoder.end();
  const records: string[] = [];
  const oversized: number[] = [];
  // A value cut off by the end of the input is handed on, to be counted invalid.
  if (collecting) {
    if (dropping) oversized.push(dropped + rest.length);
    else records.push(pending + rest);
  } else if (junk && !isBlank(junkPending + rest)) records.push((junkPending + rest).trim());
  if (records.length > 0 || oversized.length > 0) yield { records, oversized };
}

/** An element of a log events listing → its `message` (the event), or the element itself when it has none. */
export function logEventMessage(element: string): string {
  try {
    const parsed = JSON.parse(element) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const message = (parsed as Record<string, unknown>).message;
      if (typeof message === 'string') return message;
    }
  } catch {
    // Handed on as it is, and counted invalid.
  }
  return element;
}
