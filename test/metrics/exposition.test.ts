/**
 * The exposition renderer against prom-client: the same text, the same
 * bytes whatever the slicing, a published capture as its saved bytes read
 * back, folded series, OpenMetrics and its exemplars.
 */
import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../src/metrics/exposition.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { captureState, publishState } from '../../src/state/durable-state.js';
import { freshCore, promClientText } from '../helpers/exposition.js';
import { wideCorpus, wideWorkloadEvent } from '../helpers/wide-corpus.js';

function corpusCore(argv: string[] = []) {
  const core = freshCore(argv);
  for (const event of generateCorpus({ tasks: 400, seed: 7 })) {
    core.pipeline.handle(JSON.stringify(event));
  }
  for (const line of wideCorpus(300, 120)) core.pipeline.handle(line);
  // Label values that need escaping.
  core.pipeline.handle(
    wideWorkloadEvent(5000, 1).replace('cluster/cluster-0', 'cluster/we\\\\ird\\"name\\n'),
  );
  return core;
}

describe('the exposition renderer', () => {
  it("writes the same text as prom-client's registry, live and published", async () => {
    const core = corpusCore();
    const text = await core.exposition();
    expect(text).toContain('we\\\\ird\\"name\\n');
    expect(text).toBe(await promClientText(core.registry));
    // A series added after a scrape is shown in its sorted place.
    core.pipeline.handle(wideWorkloadEvent(6000, 7000));
    const again = await core.exposition();
    expect(again).not.toBe(text);
    expect(again).toBe(await promClientText(core.registry));
    publishState(core, captureState(core));
    expect(await core.exposition()).toBe(await promClientText(core.registry));
  });

  it('shows a published capture as the same state read back from its saved bytes would', async () => {
    const core = corpusCore();
    const state = captureState(core);
    const saved = JSON.parse(JSON.stringify(state));
    publishState(core, state);
    // The gauges read live at every scrape (tasks tracked, newest event) aside.
    const shown = async () =>
      (await core.exposition())
        .split('\n')
        .filter(
          (l) => !/^ecs_events_exporter_(tracked_tasks|last_event_timestamp_seconds) /.test(l),
        )
        .join('\n');
    const fromCapture = await shown();
    expect(fromCapture).toContain('ecs_task_stopped_total{');
    // Counting goes on: what is shown stays the capture.
    core.pipeline.handle(wideWorkloadEvent(7000, 7001));
    for (const event of generateCorpus({ tasks: 50, seed: 8 })) {
      core.pipeline.handle(JSON.stringify(event));
    }
    expect(await shown()).toBe(fromCapture);
    publishState(core, saved);
    expect(await shown()).toBe(fromCapture);
    expect(await core.exposition()).toBe(await promClientText(core.registry));
  });

  it('folds past the cap and renders the folded series like prom-client', async () => {
    const core = corpusCore(['--max-series-per-metric', '50']);
    const text = await core.exposition();
    expect(text).toContain('ecs_cluster="_other_"');
    expect(text).toBe(await promClientText(core.registry));
  });

  it('gives the same bytes whatever the slice length, yielding in between', async () => {
    const core = corpusCore();
    const whole = Buffer.concat(
      await renderExposition(core.registry, core.store, 'text', { sliceMs: 1e9 }),
    );
    const told: Buffer[] = [];
    const sliced = await renderExposition(core.registry, core.store, 'text', {
      sliceMs: 0,
      onChunk: (chunk) => told.push(chunk),
    });
    expect(sliced.length).toBeGreaterThan(1);
    expect(told).toEqual(sliced);
    expect(Buffer.concat(sliced).equals(whole)).toBe(true);
  });

  it('writes OpenMetrics: counter families without _total, no blank lines, # EOF last', async () => {
    const core = corpusCore();
    const text = await core.exposition('openmetrics');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).not.toContain('\n\n');
    expect(text).toContain('# TYPE ecs_task_stopped counter\n');
    expect(text).toContain('# TYPE ecs_events_exporter_records counter\n');
    expect(text).toContain('\necs_events_exporter_records_total{result="processed"} ');
    expect(text).toContain('# TYPE ecs_task_run_duration_seconds histogram\n');
    // The same samples as the text format, exemplars aside.
    const samples = (t: string) =>
      t
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.replace(/ # \{.*$/, ''))
        .join('\n');
    expect(samples(text)).toBe(samples(await core.exposition('text')));
    // prom-client's own metric objects are left as they were.
    expect(await core.exposition('text')).toBe(await promClientText(core.registry));
  });

  it('gives OpenMetrics exemplars: the task behind a duration bucket and a stop', async () => {
    const core = corpusCore();
    const text = await core.exposition('openmetrics');
    const withExemplar = (name: string) =>
      text.split('\n').filter((line) => line.startsWith(name) && line.includes(' # {'));
    for (const name of [
      'ecs_task_image_pull_duration_seconds_bucket{',
      'ecs_task_startup_duration_seconds_bucket{',
      'ecs_task_run_duration_seconds_bucket{',
      'ecs_task_stopped_total{',
    ]) {
      const lines = withExemplar(name);
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) {
        const m = / # \{task_id="([0-9a-z-]+)"\} ([0-9.e+-]+) ([0-9.]+)$/.exec(line);
        expect(m, line).not.toBeNull();
        // A bucket's exemplar lies within the bucket.
        const le = /le="([^"]+)"/.exec(line)?.[1];
        if (le !== undefined && le !== '+Inf') {
          expect(Number(m?.[2])).toBeLessThanOrEqual(Number(le));
        }
        if (name.startsWith('ecs_task_stopped')) expect(m?.[2]).toBe('1');
      }
    }
    // Never in the text format, nor on a series that is not a task's.
    expect(await core.exposition('text')).not.toContain(' # {');
    expect(withExemplar('ecs_events_exporter_')).toEqual([]);
    // A published (saved) state shows the exemplars too.
    publishState(core, captureState(core));
    expect(await core.exposition('openmetrics')).toBe(text);
  });
});
