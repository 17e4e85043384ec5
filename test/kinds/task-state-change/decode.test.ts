/**
 * Decoding a record into a task event: real events from bytes and text, the
 * service from its group, other sources ignored, every invalid shape counted
 * once as invalid while the next record is still processed.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecord as decodeEnvelope } from '../../../src/kinds/envelope.js';
import { decodeTaskEvent } from '../../../src/kinds/task-state-change/decode.js';
import { TaskLabelInterner } from '../../../src/kinds/task-state-change/task-labels.js';
import { expositionOf, fixtureEvent, fixtureLine, sample } from '../../helpers/exposition.js';

const valid = fixtureEvent('task-exited.json');
const detail = valid.detail as Record<string, unknown>;
const withDetail = (changes: Record<string, unknown>) =>
  JSON.stringify({ ...valid, detail: { ...detail, ...changes } });
const without = (key: string) => {
  const copy: Record<string, unknown> = { ...valid };
  delete copy[key];
  return JSON.stringify(copy);
};
const withoutDetail = (key: string) => {
  const copy: Record<string, unknown> = { ...detail };
  delete copy[key];
  return JSON.stringify({ ...valid, detail: copy });
};

/** A record as the pipeline routes it: envelope, then the task kind's decoding. */
function decodeRecord(data: string | Uint8Array) {
  const envelope = decodeEnvelope(data);
  if (!envelope.ok) return { kind: 'invalid' as const, reason: envelope.reason };
  if (envelope.source !== 'aws.ecs' || envelope.detailType !== 'ECS Task State Change') {
    return { kind: 'ignored' as const };
  }
  const decoded = decodeTaskEvent(envelope.event, new TaskLabelInterner());
  return decoded.ok
    ? { kind: 'task' as const, event: decoded.event }
    : { kind: 'invalid' as const, reason: decoded.reason };
}

/** Every invalid shape the metrics contract lists. */
const INVALID: Record<string, string> = {
  'not JSON': '{"source": "aws.ecs", ',
  'truncated JSON': fixtureLine('task-exited.json').slice(0, 300),
  'a JSON array': '[1, 2, 3]',
  'a JSON string': '"aws.ecs"',
  'a JSON number': '42',
  'JSON null': 'null',
  'no source': without('source'),
  'no detail-type': without('detail-type'),
  'source not a string': JSON.stringify({ ...valid, source: 7 }),
  'detail missing': without('detail'),
  'detail null': JSON.stringify({ ...valid, detail: null }),
  'detail a string': JSON.stringify({ ...valid, detail: 'STOPPED' }),
  'detail an array': JSON.stringify({ ...valid, detail: [detail] }),
  'taskArn missing': withoutDetail('taskArn'),
  'taskArn a number': withDetail({ taskArn: 12 }),
  'lastStatus missing': withoutDetail('lastStatus'),
  'lastStatus null': withDetail({ lastStatus: null }),
  'version missing': withoutDetail('version'),
  'version a string': withDetail({ version: '5' }),
  'version fractional': withDetail({ version: 5.5 }),
  'version huge': withDetail({ version: 1e300 }),
};

describe('decodeRecord', () => {
  it('decodes a real event, from bytes as from text', () => {
    for (const input of [
      fixtureLine('task-exited.json'),
      Buffer.from(fixtureLine('task-exited.json')),
    ]) {
      const decoded = decodeRecord(input);
      expect(decoded.kind).toBe('task');
      if (decoded.kind !== 'task') return;
      expect(decoded.event).toMatchObject({
        version: 5,
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        labels: {
          values: [
            '832665068462',
            'ap-northeast-1',
            'apline-hello-cluster',
            '',
            'apline-hello-task-definition',
            'FARGATE',
          ],
        },
      });
      expect(decoded.event.timeMs).toBe(Date.UTC(2021, 6, 12, 5, 44, 9));
    }
  });

  it('reads the service from group service:NAME', () => {
    const decoded = decodeRecord(withDetail({ group: 'service:checkout' }));
    expect(decoded.kind === 'task' && decoded.event.labels.values[3]).toBe('checkout');
  });

  it('ignores well-formed events of other sources and detail-types', () => {
    expect(
      decodeRecord(JSON.stringify({ ...valid, 'detail-type': 'ECS Deployment State Change' })).kind,
    ).toBe('ignored');
    expect(decodeRecord(JSON.stringify({ ...valid, source: 'aws.ec2' })).kind).toBe('ignored');
    // An ignored event is not inspected further, even with a broken detail.
    expect(
      decodeRecord(JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created' })).kind,
    ).toBe('ignored');
  });

  for (const [shape, record] of Object.entries(INVALID)) {
    it(`classes ${shape} as invalid`, () => {
      expect(decodeRecord(record).kind).toBe('invalid');
    });
  }

  it('never throws on invalid UTF-8', () => {
    expect(decodeRecord(new Uint8Array([0xff, 0xfe, 0x7b, 0x22])).kind).toBe('invalid');
  });
});

describe('invalid records in a stream', () => {
  for (const [shape, record] of Object.entries(INVALID)) {
    it(`${shape}: counted once as invalid, the next valid record is still processed`, async () => {
      const text = await expositionOf([record, fixtureLine('task-exited.json')]);
      expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(1);
      expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(1);
      expect(sample(text, 'ecs_events_exporter_records_total{result="duplicate"}')).toBe(0);
      expect(sample(text, 'ecs_events_exporter_records_total{result="ignored"}')).toBe(0);
    });
  }
});
