/**
 * Exemplars end to end: a real Prometheus with exemplar storage scrapes the
 * exporter's HTTP server (it asks for OpenMetrics), and its exemplar query
 * API returns, for the duration histograms and ecs_task_stopped_total, the
 * ids of tasks that were counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { freshCore, silentLogger } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { type RunningPrometheus, startPrometheus } from './prometheus.js';

interface ExemplarSeries {
  readonly seriesLabels: Record<string, string>;
  readonly exemplars: readonly {
    readonly labels: Record<string, string>;
    readonly value: string;
    readonly timestamp: number;
  }[];
}

const METRICS = [
  'ecs_task_image_pull_duration_seconds_bucket',
  'ecs_task_startup_duration_seconds_bucket',
  'ecs_task_run_duration_seconds_bucket',
  'ecs_task_stopped_total',
];

describe('exemplars in a real Prometheus', () => {
  let server: RunningServer;
  let prometheus: RunningPrometheus;
  const taskIds = new Set<string>();
  const core = freshCore();

  beforeAll(async () => {
    for (const event of generateCorpus({ tasks: 60, seed: 11, startMs: Date.now() - 600_000 })) {
      const arn = (event.detail as { taskArn?: string }).taskArn;
      if (arn !== undefined) taskIds.add(arn.slice(arn.lastIndexOf('/') + 1));
      core.pipeline.handle(JSON.stringify(event));
    }
    server = await startServer(
      {
        render: (format, onChunk, keep) => core.render(format, onChunk, keep),
        health: () => ({ ok: true, reason: 'test' }),
        readiness: () => ({ ok: true, reason: 'test' }),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
    );
    prometheus = await startPrometheus({
      job: 'ecs-events-exporter',
      targets: [`127.0.0.1:${server.address.port}`],
      ruleFiles: {},
      intervalSeconds: 1,
      extraArgs: ['--enable-feature=exemplar-storage'],
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  const exemplarsOf = (metric: string) =>
    prometheus.api<ExemplarSeries[]>(
      `/api/v1/query_exemplars?query=${encodeURIComponent(metric)}&start=0&end=${Math.ceil(Date.now() / 1000) + 3600}`,
    );

  it('returns the tasks behind the duration buckets and the stops', async () => {
    await waitFor(
      async () => (await exemplarsOf(METRICS[3] as string)).length > 0,
      30_000,
      `exemplars scraped (Prometheus log: ${prometheus.log()})`,
      250,
    );
    for (const metric of METRICS) {
      const series = await exemplarsOf(metric);
      expect(series.length, metric).toBeGreaterThan(0);
      for (const { seriesLabels, exemplars } of series) {
        expect(seriesLabels.__name__).toBe(metric);
        for (const exemplar of exemplars) {
          expect(Object.keys(exemplar.labels)).toEqual(['task_id']);
          expect(taskIds.has(exemplar.labels.task_id as string), exemplar.labels.task_id).toBe(
            true,
          );
          // Event time, within the corpus' ten minutes or so.
          expect(exemplar.timestamp).toBeGreaterThan(Date.now() / 1000 - 7200);
          if (metric === 'ecs_task_stopped_total') expect(exemplar.value).toBe('1');
          else {
            const le = seriesLabels.le as string;
            if (le !== '+Inf') expect(Number(exemplar.value)).toBeLessThanOrEqual(Number(le));
          }
        }
      }
    }
  });
});
