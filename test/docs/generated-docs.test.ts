/**
 * docs/metrics.md and docs/configuration.md are what the generators write
 * now; every exposed metric and label is in the catalog and documented, named
 * by the rules; a live exporter's process metrics pass promtool.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCounting } from '../../src/counting.js';
import { liveMetrics } from '../../src/metrics/process-metrics.js';
import { LABEL_DOCS, METRIC_CATALOG } from '../../tools/catalog.js';
import { renderConfigurationReference } from '../../tools/docs/configuration-reference.js';
import { renderMetricsReference } from '../../tools/docs/metrics-reference.js';
import { freshCore, promClientText, replayConfig, silentLogger } from '../helpers/exposition.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('generated references', () => {
  it('docs/metrics.md is current (run `npm run docs`)', () => {
    expect(read('docs/metrics.md')).toBe(renderMetricsReference());
  });

  it('docs/configuration.md is current (run `npm run docs`)', () => {
    expect(read('docs/configuration.md')).toBe(renderConfigurationReference());
  });

  it('documents every label of every metric', () => {
    for (const spec of METRIC_CATALOG) {
      for (const label of spec.labelNames)
        expect(LABEL_DOCS[label], `${spec.name}{${label}}`).toBeTruthy();
    }
  });

  it('every metric the exporter exposes is in the catalog, with its type and labels', async () => {
    const core = freshCore();
    const exposed = await core.registry.getMetricsAsJSON();
    for (const metric of exposed) {
      const spec = METRIC_CATALOG.find((m) => m.name === metric.name);
      expect(spec, metric.name).toBeDefined();
      expect(metric.type).toBe(spec?.type);
      expect(read('docs/metrics.md')).toContain(`\`${metric.name}\``);
    }
  });

  it('a live exporter adds its process metrics: in the catalog, and accepted by promtool', async () => {
    const core = createCounting(replayConfig(), silentLogger, liveMetrics());
    const exposed = await core.registry.getMetricsAsJSON();
    const names = exposed.map((m) => m.name);
    for (const metric of exposed) {
      const spec = METRIC_CATALOG.find((m) => m.name === metric.name);
      expect(spec, metric.name).toBeDefined();
      expect(metric.type).toBe(spec?.type);
    }
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes']) {
      expect(names).toContain(name);
    }
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(names).toContain(name);
    }
    const check = spawnSync('promtool', ['check', 'metrics'], {
      input: await promClientText(core.registry),
      encoding: 'utf8',
    });
    expect(`${check.stdout}${check.stderr}`).toBe('');
  });

  it('follows the naming rules: prefixes, _total on counters, units in the suffix', () => {
    for (const spec of METRIC_CATALOG) {
      expect(spec.name).toMatch(
        {
          // ecs_tasks and ecs_events_last_event_timestamp_seconds: names the contract fixes.
          task: /^ecs_task(_|s$)/,
          ecs: /^ecs_(service|container|daemon)_|^ecs_events_(?!exporter_)/,
          exporter: /^ecs_events_exporter_/,
          process: /^(process|nodejs)_/,
        }[spec.group],
      );
      if (spec.type === 'counter') expect(spec.name).toMatch(/_total$/);
      else expect(spec.name).not.toMatch(/_total$/);
      if (spec.type === 'histogram') expect(spec.name).toMatch(/_seconds$/);
      for (const label of spec.labelNames) {
        expect(['cluster', 'service', 'container', 'namespace', 'job', 'instance']).not.toContain(
          label,
        );
      }
    }
  });
});
