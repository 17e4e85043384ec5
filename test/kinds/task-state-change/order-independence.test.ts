/**
 * The property of task events (fast-check): any permutation of distinct
 * events, with duplicates mixed in, gives the same exposition, and a status
 * counts once per task whatever version came first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../../src/simulator/simulator.js';
import { expositionOf, sample } from '../../helpers/exposition.js';

// Retention far above the corpus span, so that only order and duplicates vary.
const ARGS = ['--stopped-task-retention', '365d'];
const NO_DUPLICATES = { duplicateRate: 0, maxDelayMs: 0 };

function withoutDuplicateCount(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('ecs_events_exporter_records_total{result="duplicate"}'))
    .join('\n');
}

describe('order independence', () => {
  it('any permutation of distinct task events, with any duplicates mixed in, gives the same exposition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.infiniteStream(fc.nat()),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 30 }),
        async (seed, tasks, order, extras) => {
          const events = generateCorpus({ tasks, seed, delivery: NO_DUPLICATES });
          const lines = events.map((e) => JSON.stringify(e));
          const expected = await expositionOf(lines, ARGS);

          // A permutation (Fisher–Yates driven by the generated stream), then duplicates inserted
          // anywhere, half of them re-sent with a new event id as EventBridge may do.
          const shuffled = [...lines];
          const it = order[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
          }
          for (const [which, where, newId] of extras) {
            const original = events[which % events.length] as Record<string, unknown>;
            const again = JSON.stringify(newId ? { ...original, id: `resent-${which}` } : original);
            shuffled.splice(where % (shuffled.length + 1), 0, again);
          }
          const actual = await expositionOf(shuffled, ARGS);
          expect(withoutDuplicateCount(actual)).toBe(withoutDuplicateCount(expected));
          expect(sample(actual, 'ecs_events_exporter_records_total{result="duplicate"}')).toBe(
            extras.length,
          );
          expect(sample(actual, 'ecs_events_exporter_records_total{result="processed"}')).toBe(
            lines.length,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts a status once per task even when a higher version came first', async () => {
    const events = generateCorpus({
      tasks: 1,
      seed: 7,
      delivery: NO_DUPLICATES,
      scenarios: ['service_replaced'],
    });
    const reversed = events.map((e) => JSON.stringify(e)).reverse();
    const text = await expositionOf(reversed, ARGS);
    for (const status of ['PROVISIONING', 'PENDING', 'RUNNING', 'STOPPED']) {
      const line = text.split('\n').find((l) => l.includes(`last_status="${status}"`));
      expect(line?.endsWith(' 1'), status).toBe(true);
    }
  });
});
