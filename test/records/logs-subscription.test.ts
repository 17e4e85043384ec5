/**
 * CloudWatch Logs subscription records: a gzip DATA_MESSAGE unpacked into
 * its events, gzip known by its magic bytes, why a record is not a
 * subscription message, and events counted as if sent one per record.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import {
  isGzip,
  MAX_SUBSCRIPTION_MESSAGE_BYTES,
  unpackSubscriptionRecord,
} from '../../src/records/logs-subscription.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import {
  expositionOf,
  fixtureLine,
  freshCore,
  promClientText,
  sample,
} from '../helpers/exposition.js';
import { controlMessage, dataMessage, packInto } from '../helpers/logs-subscription.js';

describe('CloudWatch Logs subscription records', () => {
  it('unpacks a DATA_MESSAGE into the messages of its log events', () => {
    const a = fixtureLine('task-exited.json');
    const b = fixtureLine('task-failed-to-start.json');
    expect(unpackSubscriptionRecord(dataMessage([a, b]))).toEqual({
      type: 'data',
      messages: [a, b],
    });
    expect(unpackSubscriptionRecord(controlMessage())).toEqual({ type: 'control' });
  });

  it('recognises gzip by its magic bytes only', () => {
    expect(isGzip(dataMessage([]))).toBe(true);
    expect(isGzip(Buffer.from('{"source":"aws.ecs"}'))).toBe(false);
    expect(isGzip('\u001f\u008b')).toBe(false);
  });

  it('names why a gzip record is not a subscription message', () => {
    const reason = (data: Uint8Array) => {
      const r = unpackSubscriptionRecord(data);
      return r.type === 'invalid' ? r.reason : r.type;
    };
    expect(reason(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toMatch(/does not decompress/);
    expect(reason(gzipSync('{not json'))).toMatch(/not JSON/);
    expect(reason(gzipSync('[1]'))).toMatch(/not a JSON object/);
    expect(reason(gzipSync(fixtureLine('task-exited.json')))).toMatch(/messageType/);
    expect(reason(gzipSync('{"messageType":"DATA_MESSAGE"}'))).toMatch(/without logEvents/);
    const bomb = gzipSync(Buffer.alloc(MAX_SUBSCRIPTION_MESSAGE_BYTES + 1, 32));
    expect(reason(bomb)).toMatch(/over \d+ bytes when decompressed/);
  });

  it('counts events, not Kinesis records, and gives the totals of the same events one per record', async () => {
    const lines = generateCorpus({ tasks: 120, seed: 5 }).map((e) => JSON.stringify(e));
    const core = freshCore();
    const packed = packInto(lines, 40);
    core.sink.records([controlMessage(), ...packed.slice(0, 3)]);
    core.sink.records(packed.slice(3));
    // Broken records are counted once each and do not disturb the rest.
    core.sink.records([
      Buffer.from([0x1f, 0x8b, 0, 0]),
      gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1' }, 7] })),
    ]);
    const text = canonicalExposition(await promClientText(core.registry));
    const plain = await expositionOf(lines);
    const taskLines = (t: string) => t.split('\n').filter((l) => l.startsWith('ecs_task_'));
    expect(taskLines(text)).toEqual(taskLines(plain));
    const records = (t: string, result: string) =>
      sample(t, `ecs_events_exporter_records_total{result="${result}"}`) as number;
    expect(records(text, 'processed')).toBe(records(plain, 'processed'));
    expect(records(text, 'duplicate')).toBe(records(plain, 'duplicate'));
    expect(records(text, 'ignored')).toBe(records(plain, 'ignored') + 1);
    expect(records(text, 'invalid')).toBe(records(plain, 'invalid') + 3);
  });
});
