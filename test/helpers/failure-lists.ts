/**
 * What every kind's failure list must do across a save: restored as saved,
 * the same after the saved events come again, and empty from a state saved
 * before the kind listed failures (its other state intact). `count`: the
 * entries the records list.
 */
import { expect } from 'vitest';
import type { Counting } from '../../src/counting.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { feed, freshCore } from './exposition.js';

export function expectListSavedAndRestored(
  kind: string,
  records: readonly string[],
  listed: (core: Counting) => readonly unknown[] | undefined,
  count: number,
): void {
  const before = feed(freshCore(), records);
  const saved = JSON.parse(JSON.stringify(captureState(before))) as {
    kinds: Record<string, Record<string, unknown>>;
  };
  expect(saved.kinds[kind]?.recentFailures).toHaveLength(count);
  const after = freshCore();
  restoreState(after, saved);
  expect(listed(after)).toEqual(listed(before));
  feed(after, records);
  expect(listed(after)).toEqual(listed(before));

  delete saved.kinds[kind]?.recentFailures;
  const old = freshCore();
  restoreState(old, saved);
  expect(listed(old)).toEqual([]);
  expect(old.tracked()).toBe(before.tracked());
}
