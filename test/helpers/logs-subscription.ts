/**
 * CloudWatch Logs subscription messages as a subscription filter writes them
 * to a Kinesis stream (gzip-compressed JSON), in the documented shape.
 */
import { gzipSync } from 'node:zlib';

let nextId = 31953106606966983378809025079804211143289615424298221568n;

/** A DATA_MESSAGE whose log events carry `messages` (EventBridge events as JSON text). */
export function dataMessage(messages: readonly string[], timestampMs = 1_626_068_649_000): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '832665068462',
      logGroup: '/aws/events/ecs-task-state',
      logStream: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      subscriptionFilters: ['ecs-events-exporter'],
      logEvents: messages.map((message) => {
        nextId++;
        return { id: nextId.toString(), timestamp: timestampMs, message };
      }),
    }),
  );
}

/** The message CloudWatch Logs sends to check that it can write to the destination. */
export function controlMessage(): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [
        {
          id: '',
          timestamp: 1_626_068_640_000,
          message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.',
        },
      ],
    }),
  );
}

/** Splits `lines` into DATA_MESSAGEs of 1 to `most` events each. */
export function packInto(lines: readonly string[], most: number, seed = 7): Buffer[] {
  const out: Buffer[] = [];
  let state = seed;
  for (let i = 0; i < lines.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const n = 1 + (state % most);
    out.push(dataMessage(lines.slice(i, i + n)));
    i += n;
  }
  return out;
}
