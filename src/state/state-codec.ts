/**
 * The bytes of durable state: a source position and the counting state,
 * saved together as one JSON document.
 *
 * Format 4: { "version": 4, "savedAt": "<ISO>", "position": <the source's>,
 * "state": <the counting state> }. Format 3 is the same without the
 * `aws_account_id` and `aws_region` labels of the task metrics: its series
 * are read with both empty (they stop growing; new events count under the
 * labels of their account and region, so every sum over those labels
 * continues). Files of formats 1 and 2 (Kinesis positions as { "stream",
 * "shards" }, with the counting state of that time in format 2) are still
 * read; see legacy-state.ts.
 */
import type { Json } from '../sources/source.js';
import { fromLegacyState } from './legacy-state.js';

export const STATE_FORMAT_VERSION = 4;

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
  return Buffer.from(`${text}\n`, 'utf8');
}

/** Decodes saved bytes; throws with the reason when they are not a saved state. */
export function decodeState(bytes: Uint8Array): SavedState {
  const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const savedAt = typeof record.savedAt === 'string' ? record.savedAt : '';
  if (record.version === STATE_FORMAT_VERSION || record.version === 3) {
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
