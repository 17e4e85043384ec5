/**
 * Which of the archive formats users already have a file is in, decided from
 * its first bytes, and the records it holds:
 *
 * - `ndjson`: one event per line (LF or CRLF), what `replay` always read;
 * - `json-pretty`: pretty-printed JSON documents one after another;
 * - `json-concatenated`: JSON objects back to back, as Firehose writes them to S3;
 * - `json-array`: one top-level array of events;
 * - `cloudwatch-logs-export`: `TIMESTAMP {event}` lines of a CloudWatch Logs export to S3;
 * - `cloudwatch-logs-events`: the JSON output of `aws logs filter-log-events` or
 *   `get-log-events`, whose `events[].message` are the events;
 * - any of these gzip-compressed (`gzip ndjson`, ...), found by the gzip magic bytes.
 *
 * Content that fits none is a `ArchiveFormatError` naming the file and the
 * byte offset. Inside a file of a known format, a record that is not an
 * event is handed on and counted invalid, never an error.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { jsonValueBatches, logEventMessage } from './json-values.js';
import {
  type Chunks,
  DEFAULT_MAX_LINE_LENGTH,
  lineBatches,
  type RecordBatch,
} from './line-reader.js';

export type ArchiveFormat =
  | 'empty'
  | 'ndjson'
  | 'json-pretty'
  | 'json-concatenated'
  | 'json-array'
  | 'cloudwatch-logs-export'
  | 'cloudwatch-logs-events';

export class ArchiveFormatError extends Error {}

export interface OpenedArchive {
  /** The format, `gzip ` first when compressed: what the replay summary shows. */
  readonly format: string;
  readonly batches: AsyncIterable<RecordBatch>;
  /** Set once reading ended early (gzip data cut off or corrupt), with why. */
  readonly problem: () => string | undefined;
}

/** How much of a file is read to decide its format: enough for the first lines. */
const SNIFF_BYTES = 64 * 1024;
/** ... unless its first line is longer, up to this. */
const SNIFF_MAX_BYTES = 1024 * 1024;
const SNIFF_LINES = 16;

/** Keys `aws logs filter-log-events` / `get-log-events` output starts with. */
const LOG_EVENTS_START =
  /^\{\s*"(events|searchedLogStreams|nextToken|nextForwardToken|nextBackwardToken)"\s*:/;
/** A line of a CloudWatch Logs export: an ISO-8601 time, one space, the message. */
const EXPORT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)? /;

const GZIP_CORRUPT_RECORD = '(gzip data cut off or corrupt)';

/** The first chunks of `source`, at least `bytes` of them unless it ends, and an iterable of all of it. */
async function peek(
  source: AsyncIterator<Buffer | string>,
  enough: (head: Buffer) => boolean,
): Promise<{ head: Buffer; ended: boolean; all: Chunks }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (!enough(Buffer.concat(chunks, size))) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks, size);
  async function* all(): AsyncGenerator<Buffer | string> {
    try {
      if (head.length > 0) yield head;
      if (ended) return;
      for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
    } finally {
      // A reader that stops early ends the source too (its file is closed).
      if (!ended) await source.return?.();
    }
  }
  return { head, ended, all: all() };
}

function isJsonObjectLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Where the JSON value opening at `from` ends (index after it), or -1 when not within `text`. */
function valueEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The format of a file whose first bytes are `head` (all of it when `ended`). */
export function detectFormat(
  head: string,
  ended: boolean,
): { format: ArchiveFormat } | { offset: number } {
  const start = head.search(/[^\s\uFEFF]/);
  if (start === -1) return { format: 'empty' };
  const text = head.slice(start);
  const first = text[0];
  if (first === '[') return { format: 'json-array' };
  if (first === '{') {
    if (LOG_EVENTS_START.test(text)) return { format: 'cloudwatch-logs-events' };
    const lines = text.split('\n');
    if (!ended) lines.pop(); // maybe cut off
    const complete = lines.filter((l) => l.trim() !== '').slice(0, SNIFF_LINES);
    if (complete.some(isJsonObjectLine)) return { format: 'ndjson' };
    const end = valueEnd(text, 0);
    if (end !== -1 && /^[ \t]*\{/.test(text.slice(end))) return { format: 'json-concatenated' };
    return { format: 'json-pretty' };
  }
  if (EXPORT_LINE.test(text)) return { format: 'cloudwatch-logs-export' };
  return { offset: Buffer.byteLength(head.slice(0, start)) };
}

function withoutExportTime(batches: AsyncIterable<RecordBatch>): AsyncIterable<RecordBatch> {
  return mapRecords(batches, (line) => {
    const match = EXPORT_LINE.exec(line);
    return match === null ? line : line.slice(match[0].length);
  });
}

async function* mapRecords(
  batches: AsyncIterable<RecordBatch>,
  map: (record: string) => string,
): AsyncGenerator<RecordBatch> {
  for await (const batch of batches) {
    yield { records: batch.records.map(map), oversized: batch.oversized };
  }
}

function recordsOf(format: ArchiveFormat, input: Chunks): AsyncIterable<RecordBatch> {
  switch (format) {
    case 'empty':
    case 'ndjson':
      return lineBatches(input, DEFAULT_MAX_LINE_LENGTH);
    case 'cloudwatch-logs-export':
      return withoutExportTime(lineBatches(input, DEFAULT_MAX_LINE_LENGTH));
    case 'json-pretty':
    case 'json-concatenated':
      return jsonValueBatches(input, 'values');
    case 'json-array':
      return jsonValueBatches(input, 'array');
    case 'cloudwatch-logs-events':
      return mapRecords(jsonValueBatches(input, 'log-events'), logEventMessage);
  }
}

/** Gunzips `input`; data cut off or corrupt ends it early, with `problem` set. */
async function* gunzip(input: Chunks, problem: (why: string) => void): AsyncGenerator<Buffer> {
  const inflate = Readable.from(input).pipe(createGunzip());
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (err) {
    problem((err as Error).message);
  }
}

/**
 * Decides the format of `bytes` (gunzipping first when compressed) and gives
 * its records. Throws `ArchiveFormatError` when the content fits no format.
 */
export async function openArchive(bytes: Chunks, name: string): Promise<OpenedArchive> {
  let problem: string | undefined;
  const raw = await peek(bytes[Symbol.asyncIterator](), (head) => head.length >= 2);
  const gzipped = raw.head.length >= 2 && raw.head[0] === 0x1f && raw.head[1] === 0x8b;
  const content = gzipped
    ? gunzip(raw.all, (why) => {
        problem = `gzip data cut off or corrupt (${why}); the records before were counted`;
      })
    : raw.all;
  const sniffed = await peek(content[Symbol.asyncIterator](), (head) => {
    if (head.length >= SNIFF_MAX_BYTES) return true;
    if (head.length < SNIFF_BYTES) return false;
    return head.indexOf(10) !== -1;
  });
  const detected = detectFormat(sniffed.head.toString('utf8'), sniffed.ended);
  if ('offset' in detected) {
    const where = gzipped ? ' of its decompressed content' : '';
    const at = sniffed.head.subarray(detected.offset, detected.offset + 20).toString('utf8');
    throw new ArchiveFormatError(
      `cannot replay ${name}: no known format at byte ${detected.offset}${where} (${JSON.stringify(at)}...): expected JSON events (one per line, pretty-printed, back to back or in an array), CloudWatch Logs export lines (TIMESTAMP {event}) or aws logs filter-log-events / get-log-events JSON, optionally gzip-compressed`,
    );
  }
  const records = recordsOf(detected.format, sniffed.all);
  async function* checked(): AsyncGenerator<RecordBatch> {
    yield* records;
    // A cut-off gzip member is one invalid record, so the summary shows it.
    if (problem !== undefined) yield { records: [GZIP_CORRUPT_RECORD], oversized: [] };
  }
  return {
    format: gzipped ? `gzip ${detected.format}` : detected.format,
    batches: checked(),
    problem: () => problem,
  };
}
