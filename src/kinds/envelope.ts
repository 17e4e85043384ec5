/**
 * Bytes of one record → the EventBridge envelope (`source`, `detail-type`,
 * the parsed event), or the reason it is not one. Never throws: the batch
 * loop relies on that.
 */
export type EnvelopeResult =
  | {
      readonly ok: true;
      readonly source: string;
      readonly detailType: string;
      readonly event: Record<string, unknown>;
    }
  | { readonly ok: false; readonly reason: string };

const decoder = new TextDecoder('utf-8', { fatal: false });

export function decodeRecord(data: string | Uint8Array): EnvelopeResult {
  const text = typeof data === 'string' ? data : decoder.decode(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return decodeEnvelope(parsed);
}

/** An already parsed JSON value → the envelope, or the reason it is not one. */
export function decodeEnvelope(parsed: unknown): EnvelopeResult {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const event = parsed as Record<string, unknown>;
  const source = event.source;
  const detailType = event['detail-type'];
  if (typeof source !== 'string') return { ok: false, reason: 'no source' };
  if (typeof detailType !== 'string') return { ok: false, reason: 'no detail-type' };
  return { ok: true, source, detailType, event };
}
