/**
 * The property every event kind's rules must hold: the distinct events in
 * any order, with redeliveries (the same event, or a new event id) mixed in
 * anywhere, give the same exposition and the same recent failures (the
 * JSON of /api/recent-failures), and each redelivery is a duplicate.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { recentFailuresJson } from '../../src/http/landing-page.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { freshCore, sample } from './exposition.js';

type Event = Record<string, unknown>;

/** The exposition and the page JSON after `records`, fed through a fresh counting. */
export async function shownAfter(
  records: readonly string[],
  args: string[],
): Promise<{ text: string; page: string }> {
  const core = freshCore(args);
  for (const record of records) core.pipeline.handle(record);
  const text = canonicalExposition(await core.exposition());
  return { text, page: JSON.stringify(recentFailuresJson(core.failurePage())) };
}

const withoutDuplicates = (text: string) =>
  text.replace(/^ecs_events_exporter_records_total\{result="duplicate"\} \d+$/m, '');

export async function assertOrderIndependent(
  distinct: readonly Event[],
  args: string[],
  numRuns = 60,
): Promise<void> {
  const texts = distinct.map((e) => JSON.stringify(e));
  const expected = await shownAfter(texts, args);
  await fc.assert(
    fc.asyncProperty(
      fc.shuffledSubarray(texts, { minLength: texts.length, maxLength: texts.length }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 12 }),
      async (shuffled, extras) => {
        const all = [...shuffled];
        for (const [which, newId] of extras) {
          const original = distinct[which % distinct.length] as Event;
          all.splice(
            which % (all.length + 1),
            0,
            JSON.stringify(newId ? { ...original, id: `again-${which}` } : original),
          );
        }
        const { text, page } = await shownAfter(all, args);
        expect(withoutDuplicates(text)).toBe(withoutDuplicates(expected.text));
        expect(page).toBe(expected.page);
        expect(sample(text, 'ecs_events_exporter_records_total{result="duplicate"}') ?? 0).toBe(
          extras.length,
        );
      },
    ),
    { numRuns },
  );
}
