/**
 * Building ECS events for the kind tests: a fixture event with some detail
 * fields changed, events as the record lines a stream carries, and the pinned
 * exposition of each fixture event.
 */
import { describe, expect, it } from 'vitest';
import { expositionOf, fixtureLine, sample } from './exposition.js';

export type Event = Record<string, unknown>;

/** `event` with these detail fields replaced and a new event id. */
export const withDetail = (event: Event, detail: Record<string, unknown>, id: string): Event => ({
  ...event,
  id,
  detail: { ...(event.detail as Record<string, unknown>), ...detail },
});

/** The events as record lines, one compact JSON text each. */
export const lines = (events: readonly Event[]) => events.map((e) => JSON.stringify(e));

/** `ecs_events_exporter_records_total` of one result (processed, duplicate, invalid, ignored). */
export const records = (text: string, result: string) =>
  sample(text, `ecs_events_exporter_records_total{result="${result}"}`) ?? 0;

/** The families the pinned expositions of the daemon, health, hook and service fixtures hold. */
const PINNED_FAMILIES = /^ecs_(daemon|container_instance_health|service_)/;

/**
 * Pins the daemon, health, hook and service samples of each fixture event in
 * test/fixtures/exposition/<name>.prom (the task fixtures are pinned by
 * test/fixtures.test.ts); each event is processed, never invalid.
 */
export function describeFixtureExpositions(names: readonly string[], args: string[]): void {
  describe('fixture events → exposition', () => {
    for (const name of names) {
      it(`pins the exposition of ${name}, processed, never invalid`, async () => {
        const text = await expositionOf([fixtureLine(name)], args);
        expect(records(text, 'processed')).toBe(1);
        const ecs = text
          .split('\n')
          .filter((l) => PINNED_FAMILIES.test(l))
          .join('\n');
        const pinned = new URL(
          `../fixtures/exposition/${name.replace('.json', '.prom')}`,
          import.meta.url,
        ).pathname;
        await expect(`${ecs}\n`).toMatchFileSnapshot(pinned);
      });
    }
  });
}
