import { describe, expect, it } from 'vitest';
import { EventTimeLedger, seenMark } from '../../src/kinds/event-time-ledger.js';
import { kindState, ledgerPart } from '../../src/kinds/kind-state.js';

const OPTIONS = { maxEntries: 100, retentionMs: 3_600_000, forgotten: () => {} };
const T0 = Date.parse('2026-11-01T00:00:00Z');

function twoLedgers() {
  const identities = new EventTimeLedger<0>(OPTIONS);
  const quiet = new EventTimeLedger<0>(OPTIONS);
  const order: string[] = [];
  const state = kindState(
    'toy',
    {
      identities: ledgerPart(identities, seenMark('toy identity')),
      quiet: ledgerPart(quiet, seenMark('toy quiet'), false),
    },
    (event, detail) => {
      const at = T0 + Number(detail.n);
      if (identities.seen(String(event.id), at)) return 'duplicate';
      quiet.seen(String(event.id), at + 60_000);
      return 'processed';
    },
    { restored: () => order.push(`restored with ${identities.size}`) },
  );
  return { state, order };
}

describe('kindState: a kind state from its parts', () => {
  it('hands apply only events whose detail is an object', () => {
    const { state } = twoLedgers();
    expect(state.apply({ id: 'a', detail: [] })).toEqual({ invalid: 'detail is not an object' });
    expect(state.apply({ id: 'a', detail: { n: 1 } })).toBe('processed');
    expect(state.apply({ id: 'a', detail: { n: 1 } })).toBe('duplicate');
  });

  it('tracks every part, and takes its newest time only from the parts that tell it', () => {
    const { state } = twoLedgers();
    state.apply({ id: 'a', detail: { n: 5 } });
    state.apply({ id: 'b', detail: { n: 7 } });
    expect(state.tracked).toBe(4);
    // The quiet part saw each a minute later; it does not count.
    expect(state.newestEventMs).toBe(T0 + 7);
  });

  it('saves each part under its key and restores them all before its own step', () => {
    const { state } = twoLedgers();
    state.apply({ id: 'a', detail: { n: 1 } });
    const saved = JSON.parse(JSON.stringify(state.snapshot()));
    expect(Object.keys(saved)).toEqual(['identities', 'quiet']);
    const fresh = twoLedgers();
    fresh.state.prepareRestore(saved)();
    expect(fresh.order).toEqual(['restored with 1']);
    expect(fresh.state.tracked).toBe(2);
    expect(fresh.state.apply({ id: 'a', detail: { n: 1 } })).toBe('duplicate');
  });

  it('refuses a malformed state by the kind name, changing nothing', () => {
    const { state } = twoLedgers();
    state.apply({ id: 'a', detail: { n: 1 } });
    expect(() => state.prepareRestore(null)).toThrow('toy state is not an object');
    expect(() =>
      state.prepareRestore({ identities: { newestMs: null, entries: [['x', 1, 2]] } }),
    ).toThrow(/toy identity is malformed/);
    expect(state.tracked).toBe(2);
  });
});
