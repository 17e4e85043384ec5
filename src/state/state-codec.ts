/**
 * The bytes of durable state: a source position and the counting state,
 * saved together as one JSON document.
 *
 * Format 5: { "version": 5, "savedAt": "<ISO>", "position": <the source's>,
 * "state": <the counting state>, "sha256": "<hex>" }, the checksum over the
 * bytes of the same document without its last member (the text up to
 * `,"sha256"`, closed with `}`): a byte changed anywhere, by a disk or a hand,
 * refuses the state. The file stays one JSON document. Format 4 is the same
 * without the checksum, and must not have one (a damaged version number
 * cannot turn a checksum off). Format 3 is the same without the
 * `aws_account_id` and `aws_region` labels of the task metrics: its series
 * are read with both empty (they stop growing; new events count under the
 * labels of their account and region, so every sum over those labels
 * continues). Files of formats 1 and 2 (Kinesis positions as { "stream",
 * "shards" }, with the counting state of that time in format 2) are still
 * read; see legacy-state.ts.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../base/position.js';
import { fromLegacyState } from './legacy-state.js';

export const STATE_FORMAT_VERSION = 5;

/** How a format 5 document ends: the checksum member, then the closing brace. */
const CHECKSUM_TAIL = /,"sha256":"([0-9a-f]{64})"\}\n?$/;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Task metric families of format 3: their series gain two leading labels, empty. */
const FORMAT_3_TASK_FAMILY = /^ecs_task_/;

/** A format 3 counting state as format 4: `aws_account_id` and `aws_region` empty on task series. */
function fromFormat3(state: unknown): unknown {
  if (typeof state !== 'object' || state === null) return state;
  const series = (state as { series?: { families?: unknown } }).series;
  const families = series?.families;
  if (typeof families !== 'object' || families === null) return state;
  const upgraded: Record<string, unknown> = {};
  for (const [name, tuples] of Object.entries(families as Record<string, unknown>)) {
    upgraded[name] =
      FORMAT_3_TASK_FAMILY.test(name) && Array.isArray(tuples)
        ? tuples.map((tuple: unknown) =>
            Array.isArray(tuple) && Array.isArray(tuple[0])
              ? [['', '', ...tuple[0]], ...tuple.slice(1)]
              : tuple,
          )
        : tuples;
  }
  return { ...state, series: { ...series, families: upgraded } };
}

export interface SavedState {
  readonly savedAt: string;
  readonly position: Json;
  /** The counting state, or undefined in a file that held positions only. */
  readonly state: unknown;
}

export function encodeState(saved: SavedState): Uint8Array {
  const text = JSON.stringify({
    version: STATE_FORMAT_VERSION,
    savedAt: saved.savedAt,
    position: saved.position,
    state: saved.state,
  });
  const body = text.slice(0, -1);
  return Buffer.from(`${body},"sha256":"${sha256(`${body}}`)}"}\n`, 'utf8');
}

/** Checks a format 5 document's checksum; throws naming why it fails. */
function checkChecksum(text: string): void {
  const tail = CHECKSUM_TAIL.exec(text);
  if (tail === null) throw new Error('format 5 without its checksum at the end: damaged or edited');
  const body = text.slice(0, tail.index);
  if (sha256(`${body}}`) !== tail[1]) {
    throw new Error(
      'checksum mismatch: the saved bytes were changed or damaged after they were written',
    );
  }
}

/** Decodes saved bytes; throws with the reason when they are not a saved state. */
export function decodeState(bytes: Uint8Array): SavedState {
  const text = Buffer.from(bytes).toString('utf8');
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const savedAt = typeof record.savedAt === 'string' ? record.savedAt : '';
  if (record.version === STATE_FORMAT_VERSION) checkChecksum(text);
  else if ('sha256' in record)
    throw new Error('a checksum in a format that has none: damaged or edited');
  if (record.version === STATE_FORMAT_VERSION || record.version === 4 || record.version === 3) {
    if (!('position' in record)) throw new Error('no position');
    const state = record.version === 3 ? fromFormat3(record.state) : record.state;
    return { savedAt, position: record.position as Json, state };
  }
  if (record.version === 1 || record.version === 2) {
    return {
      savedAt,
      position: { stream: record.stream as Json, shards: record.shards as Json },
      state: 'state' in record ? fromFormat3(fromLegacyState(record.state)) : undefined,
    };
  }
  throw new Error(`unsupported version ${JSON.stringify(record.version)}`);
}
