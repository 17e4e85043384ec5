import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LABEL_DOCS, METRIC_CATALOG } from '../../src/metrics/catalog.js';
import { renderConfigurationReference } from '../../tools/docs/configuration-reference.js';
import { renderMetricsReference } from '../../tools/docs/metrics-reference.js';
import { freshCore } from '../helpers/exposition.js';

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

  it('follows the naming rules: prefixes, _total on counters, units in the suffix', () => {
    for (const spec of METRIC_CATALOG) {
      expect(spec.name).toMatch(spec.group === 'task' ? /^ecs_task_/ : /^ecs_events_exporter_/);
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
