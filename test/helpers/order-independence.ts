/**
 * The property every event kind's rules must hold: the distinct events in
 * any order, with redeliveries (the same event, or a new event id) mixed in
 * anywhere, give the same exposition, and each redelivery is a duplicate.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { expositionOf, sample } from './exposition.js';

type Event = Record<string, unknown>;

const withoutDuplicates = (text: string) =>
  text.replace(/^ecs_events_exporter_records_total\{result="duplicate"\} \d+$/m, '');

export async function assertOrderIndependent(
  distinct: readonly Event[],
  args: string[],
  numRuns = 60,
): Promise<void> {
  const texts = distinct.map((e) => JSON.stringify(e));
  const expected = await expositionOf(texts, args);
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
        const text = await expositionOf(all, args);
        expect(withoutDuplicates(text)).toBe(withoutDuplicates(expected));
        expect(sample(text, 'ecs_events_exporter_records_total{result="duplicate"}') ?? 0).toBe(
          extras.length,
        );
      },
    ),
    { numRuns },
  );
}
