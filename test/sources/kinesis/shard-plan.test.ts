/**
 * planShards: parents before children, merges waiting for both parents,
 * LATEST and AT_TIMESTAMP handed to children, positions resumed, SHARD_END
 * never read again. No server.
 */
import { describe, expect, it } from 'vitest';
import { SHARD_END } from '../../../src/sources/kinesis/checkpointer.js';
import {
  isPositionCurrent,
  type PlanContext,
  planShards,
  startFor,
} from '../../../src/sources/kinesis/shard-plan.js';
import type { ShardInfo } from '../../../src/sources/kinesis/shard-state.js';
import type { StartPosition } from '../../../src/sources/kinesis/start-position.js';

function shard(id: string, options: Partial<Omit<ShardInfo, 'id'>> = {}): ShardInfo {
  return {
    id,
    parents: options.parents ?? [],
    startingSequenceNumber: options.startingSequenceNumber ?? '100',
    closed: options.closed ?? false,
  };
}

function context(
  positions: Record<string, string> = {},
  startPosition: StartPosition = { type: 'TRIM_HORIZON' },
  sets: { forceTrimHorizon?: string[]; startedFromConfig?: string[] } = {},
): PlanContext {
  return {
    positions: new Map(Object.entries(positions)),
    startPosition,
    forceTrimHorizon: new Set(sets.forceTrimHorizon),
    startedFromConfig: new Set(sets.startedFromConfig),
  };
}

const byId = (decisions: ReturnType<typeof planShards>) =>
  new Map(decisions.map((d) => [d.shard.id, d]));

// A split of s0 into s1 and s2, then a merge of s1 and s2 into s3.
const parent = shard('s0', { closed: true });
const left = shard('s1', { parents: ['s0'], closed: true });
const right = shard('s2', { parents: ['s0'], closed: true });
const merged = shard('s3', { parents: ['s1', 's2'] });
const lineage = [parent, left, right, merged];

describe('planShards', () => {
  it('reads parents before children', () => {
    const plan = byId(planShards(lineage, new Set(), context()));
    expect(plan.get('s0')).toMatchObject({ state: 'reading', start: { type: 'TRIM_HORIZON' } });
    expect(plan.get('s1')).toMatchObject({ state: 'waiting-for-parents', waitingFor: ['s0'] });
    expect(plan.get('s2')).toMatchObject({ state: 'waiting-for-parents', waitingFor: ['s0'] });
    expect(plan.get('s3')?.state).toBe('waiting-for-parents');
  });

  it('keeps a shard being read as it is, and its children waiting', () => {
    const plan = byId(planShards(lineage, new Set(['s0']), context()));
    expect(plan.get('s0')).toEqual({ shard: parent, state: 'reading' });
    expect(plan.get('s1')?.state).toBe('waiting-for-parents');
  });

  it('makes a merge wait for both parents', () => {
    const oneDone = byId(
      planShards(lineage, new Set(['s2']), context({ s0: SHARD_END, s1: SHARD_END })),
    );
    expect(oneDone.get('s3')).toMatchObject({ state: 'waiting-for-parents', waitingFor: ['s2'] });
    const bothDone = byId(
      planShards(lineage, new Set(), context({ s0: SHARD_END, s1: SHARD_END, s2: SHARD_END })),
    );
    expect(bothDone.get('s3')).toMatchObject({
      state: 'reading',
      start: { type: 'TRIM_HORIZON' },
      fromConfig: false,
    });
  });

  it('under LATEST skips closed shards without history and starts the open one', () => {
    const plan = byId(planShards(lineage, new Set(), context({}, { type: 'LATEST' })));
    expect(plan.get('s0')?.state).toBe('skipped');
    expect(plan.get('s1')?.state).toBe('skipped');
    expect(plan.get('s2')?.state).toBe('skipped');
    expect(plan.get('s3')).toMatchObject({
      state: 'reading',
      start: { type: 'LATEST' },
      fromConfig: true,
    });
  });

  it('under LATEST still reads the closed child of a finished parent, from its start', () => {
    const plan = byId(
      planShards(lineage, new Set(), context({ s0: SHARD_END }, { type: 'LATEST' })),
    );
    expect(plan.get('s1')).toMatchObject({ state: 'reading', start: { type: 'TRIM_HORIZON' } });
    expect(plan.get('s2')).toMatchObject({ state: 'reading', start: { type: 'TRIM_HORIZON' } });
    expect(plan.get('s3')).toMatchObject({
      state: 'waiting-for-parents',
      waitingFor: ['s1', 's2'],
    });
  });

  it('passes AT_TIMESTAMP on to children whose parents started there', () => {
    const at: StartPosition = { type: 'AT_TIMESTAMP', timestamp: new Date('2024-05-01T12:00:00Z') };
    const first = planShards(lineage, new Set(), context({}, at));
    expect(byId(first).get('s0')).toMatchObject({ state: 'reading', start: at, fromConfig: true });
    const next = byId(
      planShards(lineage, new Set(), context({ s0: SHARD_END }, at, { startedFromConfig: ['s0'] })),
    );
    expect(next.get('s1')).toMatchObject({ state: 'reading', start: at, fromConfig: true });
    // Parents read from a position, not from the timestamp: the child starts at its beginning.
    const resumed = byId(planShards(lineage, new Set(), context({ s0: SHARD_END }, at)));
    expect(resumed.get('s1')).toMatchObject({ start: { type: 'TRIM_HORIZON' }, fromConfig: false });
  });

  it('resumes a shard with a position AFTER_SEQUENCE_NUMBER, whatever the start position', () => {
    const plan = byId(
      planShards([shard('a'), shard('b')], new Set(), context({ a: '12345' }, { type: 'LATEST' })),
    );
    expect(plan.get('a')).toMatchObject({
      state: 'reading',
      start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '12345' },
      fromConfig: false,
    });
    expect(plan.get('b')).toMatchObject({ start: { type: 'LATEST' }, fromConfig: true });
  });

  it('never reads a shard at SHARD_END again', () => {
    const decisions = planShards(
      [shard('a', { closed: true }), shard('b')],
      new Set(),
      context({ a: SHARD_END, b: SHARD_END }),
    );
    expect(decisions.map((d) => d.state)).toEqual(['finished', 'finished']);
    expect(decisions.every((d) => d.start === undefined)).toBe(true);
  });

  it('reads a shard forced to TRIM_HORIZON from there, even under LATEST and closed', () => {
    const plan = byId(
      planShards(
        [shard('a', { closed: true })],
        new Set(),
        context({}, { type: 'LATEST' }, { forceTrimHorizon: ['a'] }),
      ),
    );
    expect(plan.get('a')).toMatchObject({ state: 'reading', start: { type: 'TRIM_HORIZON' } });
  });
});

describe('a recreated stream', () => {
  it('resets positions from before the new shard start, and reads from TRIM_HORIZON', () => {
    const recreated = shard('a', { startingSequenceNumber: '5000' });
    expect(isPositionCurrent('4999', recreated)).toBe(false);
    expect(isPositionCurrent(undefined, recreated)).toBe(false);
    expect(isPositionCurrent(SHARD_END, recreated)).toBe(false);
    expect(isPositionCurrent('5000', recreated)).toBe(true);
    expect(isPositionCurrent('60000', recreated)).toBe(true);
    // What the source does with a stale position: forget it, force TRIM_HORIZON.
    expect(
      startFor(recreated, context({}, { type: 'LATEST' }, { forceTrimHorizon: ['a'] })).start,
    ).toEqual({ type: 'TRIM_HORIZON' });
  });
});
