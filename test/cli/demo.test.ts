import { describe, expect, it } from 'vitest';
import { exited, startCli } from '../helpers/cli.js';
import { sumOf } from '../helpers/exposition.js';

describe('ecs-events-exporter demo', () => {
  it('serves non-zero task metrics within seconds, and stops cleanly on SIGTERM', async () => {
    const { child, match } = await startCli(
      [
        'demo',
        '--listen-address',
        '127.0.0.1:0',
        '--tasks-per-second',
        '20',
        '--log-level',
        'warn',
      ],
      /(http:\/\/127\.0\.0\.1:\d+)\/metrics/,
    );
    try {
      const url = match[1] as string;
      let text = '';
      for (let i = 0; i < 50; i++) {
        text = await (await fetch(`${url}/metrics`)).text();
        if (
          sumOf(text, 'ecs_task_stopped_total') > 0 &&
          sumOf(text, 'ecs_task_startup_duration_seconds_count') > 0
        )
          break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(sumOf(text, 'ecs_task_state_transitions_total')).toBeGreaterThan(0);
      expect(sumOf(text, 'ecs_task_stopped_total')).toBeGreaterThan(0);
      expect(
        sumOf(text, 'ecs_events_exporter_records_total', 'result="processed"'),
      ).toBeGreaterThan(0);
      expect(text).toMatch(
        /^ecs_events_exporter_build_info\{version="[^"]+",nodejs_version="v\d+/m,
      );
      // The demo reads a real local Kinesis stream, as `run` does.
      expect(text).toMatch(/^ecs_events_exporter_kinesis_shards_owned 4$/m);
      expect(sumOf(text, 'ecs_events_exporter_kinesis_records_read_total')).toBeGreaterThan(0);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });
});
