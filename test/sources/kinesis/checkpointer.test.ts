/**
 * The Kinesis position: encoded with the stream and sorted shards, decoded
 * back, by name or ARN; another stream's position foreign, a wrong one
 * malformed. No server.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../src/base/position.js';
import {
  Checkpointer,
  checkPosition,
  decodePosition,
  SHARD_END,
} from '../../../src/sources/kinesis/checkpointer.js';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/events';

describe('the Kinesis position', () => {
  it('encodes the stream as configured and the shards sorted, and decodes back', () => {
    const checkpointer = new Checkpointer();
    checkpointer.delivered('shardId-000000000002', '300');
    checkpointer.finished('shardId-000000000000');
    checkpointer.delivered('shardId-000000000001', 'not-a-number');
    const position = checkpointer.encode(ARN);
    expect(JSON.stringify(position)).toBe(
      `{"stream":"${ARN}","shards":{"shardId-000000000000":"SHARD_END","shardId-000000000002":"300"}}`,
    );
    expect(decodePosition(position)).toEqual(
      new Map([
        ['shardId-000000000000', SHARD_END],
        ['shardId-000000000002', '300'],
      ]),
    );
  });

  it('accepts its own positions, by name or by ARN', () => {
    expect(checkPosition({ stream: 'events', shards: {} }, ARN)).toBeUndefined();
    expect(
      checkPosition({ stream: ARN, shards: { a: '1', b: SHARD_END } }, 'events'),
    ).toBeUndefined();
  });

  it('calls the position of another stream foreign', () => {
    expect(checkPosition({ stream: 'other', shards: { a: '1' } }, ARN)).toMatchObject({
      kind: 'foreign',
      reason: expect.stringContaining('other'),
    });
  });

  it('calls a wrong shape or value malformed', () => {
    const bads: Json[] = [
      null,
      'events',
      [],
      { shards: {} },
      { stream: 'events' },
      { stream: 'events', shards: [] },
      { stream: 'events', shards: { a: 12 } },
      { stream: 'events', shards: { a: '12a' } },
      { stream: 'other', shards: { a: 'LATEST' } },
    ];
    for (const bad of bads) {
      expect(checkPosition(bad, 'events')?.kind, JSON.stringify(bad)).toBe('malformed');
    }
  });
});
