/**
 * Records a CloudWatch Logs subscription filter writes to a Kinesis stream:
 * one gzip-compressed JSON message per record, either a DATA_MESSAGE whose
 * `logEvents[].message` are the log events (here: EventBridge events the
 * rule wrote to the log group), or a CONTROL_MESSAGE CloudWatch Logs sends
 * to check that it can write to the stream. Unpacking turns one record into
 * the event payloads it carries; it never throws, so a broken record is
 * counted and the stream goes on.
 */
import { gunzipSync } from 'node:zlib';

/** Decompressed size past which a record is refused (a Kinesis record is at most 10 MiB). */
export const MAX_SUBSCRIPTION_MESSAGE_BYTES = 64 * 1024 * 1024;

export type SubscriptionRecord =
  | { readonly type: 'data'; readonly messages: readonly unknown[] }
  | { readonly type: 'control' }
  | { readonly type: 'invalid'; readonly reason: string };

/** Whether `data` starts with the gzip magic bytes: no EventBridge event (JSON text) does. */
export function isGzip(data: string | Uint8Array): data is Uint8Array {
  return typeof data !== 'string' && data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * A gzip record → the messages of its log events (each still to be decoded
 * as an event; a message that is not a string is handed on as is, to be
 * counted invalid), a control message, or why it is not a subscription record.
 */
export function unpackSubscriptionRecord(data: Uint8Array): SubscriptionRecord {
  let text: string;
  try {
    text = decoder.decode(gunzipSync(data, { maxOutputLength: MAX_SUBSCRIPTION_MESSAGE_BYTES }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      type: 'invalid',
      reason:
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `gzip record over ${MAX_SUBSCRIPTION_MESSAGE_BYTES} bytes when decompressed`
          : 'gzip record that does not decompress',
    };
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { type: 'invalid', reason: 'gzip record that is not JSON' };
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return { type: 'invalid', reason: 'gzip record that is not a JSON object' };
  }
  const { messageType, logEvents } = message as Record<string, unknown>;
  if (messageType === 'CONTROL_MESSAGE') return { type: 'control' };
  if (messageType !== 'DATA_MESSAGE') {
    return { type: 'invalid', reason: 'gzip record without a subscription messageType' };
  }
  if (!Array.isArray(logEvents)) {
    return { type: 'invalid', reason: 'subscription DATA_MESSAGE without logEvents' };
  }
  return {
    type: 'data',
    messages: logEvents.map((e) =>
      e !== null && typeof e === 'object' ? (e as Record<string, unknown>).message : e,
    ),
  };
}
