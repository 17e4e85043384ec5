/**
 * The cap on series per metric: new label sets fold into _other_ past it with
 * every total exact (for any cap and corpus, fast-check), bounded label
 * vocabularies, and series born at 0 only within the cap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WATCHED_STOPS } from '../../src/kinds/task-state-change/task-metrics.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { expositionOf, fixtureEvent, sumOf } from '../helpers/exposition.js';

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

function labelValue(line: string, label: string): string {
  return new RegExp(`[{,]${label}="([^"]*)"`).exec(line)?.[1] ?? '';
}

/** The values of a series' bounded labels: what its folded series keeps. */
function boundedLabels(line: string): string {
  return ['aws_region', 'launch_type', 'last_status', 'stop_code', 'reason']
    .map((l) => labelValue(line, l))
    .join('|');
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
      // The cap, plus folded series: one per combination of bounded label values.
      const own = series(capped, name).filter((l) => !l.includes('ecs_cluster="_other_"'));
      expect(own.length, name).toBeLessThanOrEqual(25);
      const folded = series(capped, name).filter((l) => l.includes('ecs_cluster="_other_"'));
      const combos = new Set(series(free, name).map(boundedLabels));
      expect(folded.length, name).toBeLessThanOrEqual(combos.size);
      expect(series(free, name).length, name).toBeGreaterThan(100);
    }
    // Only unbounded labels fold: launch type and stop code keep their values.
    expect(capped).toMatch(
      /ecs_task_stopped_total\{aws_account_id="_other_",aws_region="[a-z0-9-]*",ecs_cluster="_other_",ecs_service="_other_",family="_other_",launch_type="(FARGATE|EC2)",stop_code="[A-Za-z]+",reason="[a-z_]+"\} \d+/,
    );
    expect(capped).not.toMatch(/(launch_type|stop_code|last_status)="_other_"/);
    for (const [name, label] of [
      ['ecs_task_stopped_total', 'stop_code'],
      ['ecs_task_state_transitions_total', 'last_status'],
      ['ecs_task_stopped_total', 'launch_type'],
      ['ecs_task_run_duration_seconds_count', 'stop_code'],
    ] as const) {
      for (const value of new Set(series(free, name).map((l) => labelValue(l, label)))) {
        expect(sumOf(capped, name, `${label}="${value}"`), `${name} by ${label}=${value}`).toBe(
          sumOf(free, name, `${label}="${value}"`),
        );
      }
    }
    expect(capped).toMatch(
      /ecs_events_exporter_series_folded_total\{metric="ecs_task_stopped_total"\} [1-9]/,
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
          // The cap, plus one folded series per region and launch type (bounded labels).
          const bounded = new Set(
            series(free, 'ecs_task_image_pull_duration_seconds_count').map(
              (l) => `${labelValue(l, 'aws_region')} ${labelValue(l, 'launch_type')}`,
            ),
          );
          expect(
            series(capped, 'ecs_task_image_pull_duration_seconds_count').length,
          ).toBeLessThanOrEqual(cap + bounded.size);
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
    // Room for the first workload's stops watched from birth (WATCHED_STOPS, at 0) and its own.
    const cap = String(WATCHED_STOPS.length + 1);
    const text = await expositionOf(
      [...first, ...lines, ...extra],
      ['--max-series-per-metric', cap],
    );
    expect(sumOf(text, 'ecs_task_stopped_total', 'family="first"')).toBe(21);
    expect(sumOf(text, 'ecs_task_stopped_total', 'family="_other_"')).toBeGreaterThan(0);
  });
});

describe('bounded labels', () => {
  it('keep their known values, then 32 more first come, then other; totals stay exact', async () => {
    const seed = fixtureEvent('task-exited.json');
    const detail = seed.detail as Record<string, unknown>;
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines.push(
        JSON.stringify({
          ...seed,
          detail: {
            ...detail,
            taskArn: `arn:aws:ecs:eu-west-1:1:task/c/${String(i).padStart(32, '0')}`,
            stopCode: `NewStopCode${String(i).padStart(2, '0')}`,
          },
        }),
      );
    }
    // A known value after the allowance is used up still keeps its own series.
    lines.push(
      JSON.stringify({
        ...seed,
        detail: { ...detail, taskArn: 'arn:aws:ecs:eu-west-1:1:task/c/'.padEnd(63, 'f') },
      }),
    );
    const text = await expositionOf(lines);
    const codes = new Set(
      series(text, 'ecs_task_stopped_total').map((l) => /stop_code="([^"]*)"/.exec(l)?.[1]),
    );
    for (let i = 0; i < 32; i++)
      expect(codes).toContain(`NewStopCode${String(i).padStart(2, '0')}`);
    expect(codes).not.toContain('NewStopCode32');
    expect(sumOf(text, 'ecs_task_stopped_total', 'stop_code="other"')).toBe(8);
    expect(sumOf(text, 'ecs_task_stopped_total', 'stop_code="EssentialContainerExited"')).toBe(1);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(41);
    // 32 first come, other, and the known codes of the stops born at 0 (WATCHED_STOPS).
    const watchedCodes = new Set(WATCHED_STOPS.map(([code]) => code));
    expect(codes.size).toBe(33 + watchedCodes.size);
  });
});

describe('series born at 0', () => {
  const pending = (family: string, group: string) => {
    const seed = fixtureEvent('task-exited.json');
    const detail = seed.detail as Record<string, unknown>;
    return JSON.stringify({
      ...seed,
      detail: {
        ...detail,
        lastStatus: 'PENDING',
        taskArn: `arn:aws:ecs:eu-west-1:1:task/c/${family.padStart(32, '0')}`,
        group,
        taskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${family}:1`,
      },
    });
  };

  it('a workload has its watched stops, and a service its crash-loop input, at 0 from its first event', async () => {
    const text = await expositionOf([pending('web', 'service:web'), pending('job', 'family:job')]);
    for (const family of ['web', 'job']) {
      for (const [code, reason] of WATCHED_STOPS) {
        const found = series(text, 'ecs_task_stopped_total').filter(
          (l) =>
            l.includes(`family="${family}"`) &&
            l.includes(`stop_code="${code}",reason="${reason}"`),
        );
        expect(found, `${family} ${code} ${reason}`).toHaveLength(1);
        expect(found[0]).toMatch(/ 0$/);
      }
    }
    const runs = series(text, 'ecs_task_run_duration_seconds_count');
    expect(runs).toEqual([
      expect.stringMatching(
        /ecs_service="web",family="web",.*stop_code="EssentialContainerExited"\} 0$/,
      ),
    ]);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(0);
  });

  it('only within the cap, and never counted as folded', async () => {
    const cap = WATCHED_STOPS.length + 2;
    const text = await expositionOf(
      [pending('a', 'service:a'), pending('b', 'service:b')],
      ['--max-series-per-metric', String(cap)],
    );
    const stopped = series(text, 'ecs_task_stopped_total');
    expect(stopped).toHaveLength(cap);
    expect(stopped.filter((l) => l.includes('_other_'))).toEqual([]);
    expect(sumOf(text, 'ecs_events_exporter_series_folded_total')).toBe(0);
  });
});
