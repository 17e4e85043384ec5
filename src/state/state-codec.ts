/**
 * The bytes of durable state: a source position and the counting state,
 * saved together as one JSON document.
 *
 * Format 3: { "version": 3, "savedAt": "<ISO>", "position": <the source's>,
 * "state": <the counting state> }. Files of formats 1 and 2 (Kinesis
 * positions as { "stream", "shards" }, with the counting state of that time
 * in format 2) are still read; see legacy-state.ts.
 */
import type { Json } from '../sources/source.js';
import { fromLegacyState } from './legacy-state.js';

export const STATE_FORMAT_VERSION = 3;

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
  if (record.version === STATE_FORMAT_VERSION) {
    if (!('position' in record)) throw new Error('no position');
    return { savedAt, position: record.position as Json, state: record.state };
  }
  if (record.version === 1 || record.version === 2) {
    return {
      savedAt,
      position: { stream: record.stream as Json, shards: record.shards as Json },
      state: 'state' in record ? fromLegacyState(record.state) : undefined,
    };
  }
  throw new Error(`unsupported version ${JSON.stringify(record.version)}`);
}
