import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type Config, loadConfig } from '../../src/config.js';
import { type Counting, createCounting } from '../../src/counting.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import type { MetricRegistry } from '../../src/metrics/metric-registry.js';

export function replayConfig(argv: string[] = []): Config {
  const loaded = loadConfig('replay', argv, {});
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}

export const silentLogger = pino({ level: 'silent' });

export function freshCore(argv: string[] = []): Counting {
  return createCounting(replayConfig(argv), silentLogger, undefined);
}

/** Feeds records through a fresh pipeline and returns the exposition text. */
export async function expositionOf(
  records: readonly string[],
  argv: string[] = [],
): Promise<string> {
  const core = freshCore(argv);
  for (const record of records) core.pipeline.handle(record);
  return canonicalExposition(await core.exposition());
}

/** A fixture event under test/fixtures/events, as one compact JSON line. */
/** Hands each record to the counting's pipeline; returns the counting. */
export function feed(core: Counting, records: readonly string[]): Counting {
  for (const record of records) core.pipeline.handle(record);
  return core;
}

export function fixtureLine(name: string): string {
  const text = readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8');
  return JSON.stringify(JSON.parse(text));
}

export function fixtureEvent(name: string): Record<string, unknown> {
  return JSON.parse(fixtureLine(name)) as Record<string, unknown>;
}

/** The value of one sample line, e.g. sample(text, 'ecs_task_stopped_total{...}'); undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Sum of every sample of a metric name whose label text contains all `matchers`. */
export function sumOf(text: string, name: string, ...matchers: string[]): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (matchers.every((m) => line.includes(m)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The task metric lines of an exposition, in canonical order: what two runs must agree on. */
export function taskLines(text: string): string {
  return canonicalExposition(text)
    .split('\n')
    .filter((line) => line.startsWith('ecs_task_'))
    .join('\n');
}

/** Self metrics kept with the saved state; process, Kinesis I/O and delivery lag counters restart with the process. */
const DURABLE_SELF = new Set([
  'ecs_events_exporter_records_total',
  'ecs_events_exporter_task_state_evictions_total',
  'ecs_events_exporter_series_folded_total',
]);

/**
 * Every counter-like sample (counters, histogram buckets and counts) of what
 * the saved state carries: the ECS metrics and the durable self metrics. A
 * restart restores them, so within one replica they never go backwards.
 */
export function durableCounterSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const name = line.slice(0, line.search(/[{ ]/));
    const counterLike = /(_total|_bucket|_count)$/.test(name);
    const durable = /^ecs_(task|service|container|daemon)_/.test(name) || DURABLE_SELF.has(name);
    if (!counterLike || !durable) continue;
    out.set(line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/**
 * prom-client's own text rendering of every metric on `registry` (prom-client
 * renders the exporter's own metric objects through their `get()`): what the
 * exporter's renderer is checked against.
 */
export async function promClientText(registry: MetricRegistry): Promise<string> {
  const prom = new Registry();
  for (const metric of registry.getMetricsAsArray()) {
    prom.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  return prom.metrics();
}
