import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { expositionOf, sumOf } from '../helpers/exposition.js';

const TOTALS = [
  'ecs_task_state_transitions_total',
  'ecs_task_stopped_total',
  'ecs_task_image_pull_duration_seconds_count',
  'ecs_task_image_pull_duration_seconds_sum',
  'ecs_task_startup_duration_seconds_count',
  'ecs_task_run_duration_seconds_count',
  'ecs_task_run_duration_seconds_sum',
];

function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

/** Events of `n` distinct families, as a flood of label sets would bring. */
function manyFamilies(n: number, seed: number): string[] {
  return generateCorpus({ tasks: n, seed }).map((event, i) => {
    const detail = event.detail as Record<string, unknown> | undefined;
    if (detail?.taskDefinitionArn === undefined) return JSON.stringify(event);
    const family = `family-${(detail.taskArn as string).slice(-6)}`;
    return JSON.stringify({
      ...event,
      detail: {
        ...detail,
        taskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${family}:${i % 3}`,
      },
    });
  });
}

describe('the cap on series per task metric', () => {
  it('folds new label sets into _other_ past the cap, keeping every total exact', async () => {
    const lines = manyFamilies(200, 3);
    const free = await expositionOf(lines);
    const capped = await expositionOf(lines, ['--max-series-per-metric', '25']);
    for (const name of TOTALS) expect(sumOf(capped, name), name).toBeCloseTo(sumOf(free, name), 6);
    for (const name of [
      'ecs_task_state_transitions_total',
      'ecs_task_stopped_total',
      'ecs_task_startup_duration_seconds_count',
    ]) {
      // The cap, plus at most one folded series per reason class.
      expect(series(capped, name).length, name).toBeLessThanOrEqual(25 + 11);
      expect(series(free, name).length, name).toBeGreaterThan(100);
    }
    expect(capped).toMatch(
      /ecs_task_stopped_total\{ecs_cluster="_other_",ecs_service="_other_",family="_other_",launch_type="_other_",stop_code="_other_",reason="[a-z_]+"\} \d+/,
    );
    expect(sumOf(capped, 'ecs_events_exporter_series_folded_total')).toBeGreaterThan(0);
    expect(sumOf(free, 'ecs_events_exporter_series_folded_total')).toBe(0);
  });

  it('keeps totals exact for any cap and corpus', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (cap, seed) => {
          const lines = manyFamilies(30, seed);
          const free = await expositionOf(lines);
          const capped = await expositionOf(lines, ['--max-series-per-metric', String(cap)]);
          for (const name of TOTALS)
            expect(sumOf(capped, name), name).toBeCloseTo(sumOf(free, name), 6);
          expect(
            series(capped, 'ecs_task_image_pull_duration_seconds_count').length,
          ).toBeLessThanOrEqual(cap + 1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('series that exist keep counting after the cap is reached', async () => {
    const lines = manyFamilies(60, 5);
    const extra = generateCorpus({ tasks: 20, seed: 6, scenarios: ['batch_succeeded'] }).map(
      (e) => {
        const detail = e.detail as Record<string, unknown>;
        return JSON.stringify({
          ...e,
          detail: {
            ...detail,
            taskDefinitionArn: 'arn:aws:ecs:eu-west-1:1:task-definition/first:1',
          },
        });
      },
    );
    const first = generateCorpus({ tasks: 1, seed: 7, scenarios: ['batch_succeeded'] }).map((e) => {
      const detail = e.detail as Record<string, unknown>;
      return JSON.stringify({
        ...e,
        detail: { ...detail, taskDefinitionArn: 'arn:aws:ecs:eu-west-1:1:task-definition/first:1' },
      });
    });
    const text = await expositionOf(
      [...first, ...lines, ...extra],
      ['--max-series-per-metric', '5'],
    );
    expect(sumOf(text, 'ecs_task_stopped_total', 'family="first"')).toBe(21);
    expect(sumOf(text, 'ecs_task_stopped_total', 'family="_other_"')).toBeGreaterThan(0);
  });
});
