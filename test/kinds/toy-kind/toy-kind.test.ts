/**
 * Adding a kind is its folder and one line of the registry: a toy kind, in
 * a folder of one file beside this test, is handed to the counting with the
 * registry's kinds and is found in the catalog and the exposition, the
 * generated metrics reference, check-pattern's reference events and
 * verdict, the simulator's episodes, a save and restore through durable
 * state, and the landing page with /api/recent-failures. No file of src/
 * changes for it.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Counting, createCounting } from '../../../src/counting.js';
import { startServer } from '../../../src/http/server.js';
import { EVENT_KINDS, EVENT_METRICS, eventMetricsOf } from '../../../src/kinds/registry.js';
import { checkPatternFile } from '../../../src/pattern/check-pattern.js';
import { referencesOf } from '../../../src/pattern/reference-events.js';
import { createRandom } from '../../../src/simulator/random.js';
import { EpisodePlanner } from '../../../src/simulator/service-events.js';
import { WORKLOADS, type Workload } from '../../../src/simulator/task-lifecycle.js';
import { DurableState } from '../../../src/state/durable-state.js';
import { FileStateStore } from '../../../src/state/file-state-store.js';
import { METRIC_CATALOG } from '../../../tools/catalog.js';
import { renderMetricsReference } from '../../../tools/docs/metrics-reference.js';
import { feed, replayConfig, sample, silentLogger, sumOf } from '../../helpers/exposition.js';
import { TOY_BREAKS, TOY_DETAIL_TYPE, TOY_STATE_CHANGE } from './toy-state-change/kind.js';

const TOY_FOLDER = new URL('./toy-state-change/', import.meta.url);
const REGISTRY = new URL('../../../src/kinds/registry.ts', import.meta.url);

/** The registry's kinds and the toy: what one more line of EVENT_KINDS would make. */
const KINDS = [...EVENT_KINDS, TOY_STATE_CHANGE];

const toyCounting = (): Counting => createCounting(replayConfig(), silentLogger, undefined, KINDS);

/** The toy's sample event as a record, with its own id and time. */
function toyRecord(id: string, toyId: string, status: string, time: string): string {
  const [toy] = TOY_STATE_CHANGE.samples();
  const event = structuredClone(toy?.event) as Record<string, unknown>;
  event.id = id;
  event.time = time;
  Object.assign(event.detail as object, { toyId, status });
  return JSON.stringify(event);
}

const RECORDS = [
  toyRecord('e1', 'toy-1', 'BROKEN', '2026-11-01T10:00:00Z'),
  toyRecord('e2', 'toy-2', 'BROKEN', '2026-11-01T10:05:00Z'),
  toyRecord('e3', 'toy-1', 'FIXED', '2026-11-01T10:10:00Z'),
];
const SERIES = `${TOY_BREAKS}{aws_account_id="123456789012",aws_region="eu-west-1",ecs_cluster="prod",ecs_service="web"}`;

const fed = (counting: Counting, records = RECORDS): Counting => feed(counting, records);

describe('a toy kind', () => {
  it('takes one file in its folder and one line in the registry', () => {
    expect(readdirSync(TOY_FOLDER)).toEqual(['kind.ts']);
    // The registry lists each kind on one line of EVENT_KINDS (and imports it on one line).
    const text = readFileSync(REGISTRY, 'utf8');
    const list = /export const EVENT_KINDS = \[\n([^\]]*)\]/.exec(text)?.[1] ?? '';
    expect(list.trimEnd().split('\n')).toHaveLength(EVENT_KINDS.length);
    for (const kind of EVENT_KINDS) {
      expect(text).toMatch(new RegExp(`from '\\./${kind.name}/kind\\.js';`));
    }
    expect(KINDS).toHaveLength(EVENT_KINDS.length + 1);
    // design.md states the count measured here.
    const design = readFileSync(new URL('../../../docs/design.md', import.meta.url), 'utf8');
    const section = /## Adding an event kind\n((?:(?!\n## )[\s\S])*)/.exec(design)?.[1] ?? '';
    expect(section.replace(/\s+/g, ' ')).toContain(
      `${readdirSync(TOY_FOLDER).length === 1 ? 'one folder file' : 'more folder files'} and one registry line`,
    );
  });

  it('is in the catalog and the exposition', async () => {
    expect(eventMetricsOf(KINDS).map((m) => m.name)).toContain(TOY_BREAKS);
    expect(EVENT_METRICS.map((m) => m.name)).not.toContain(TOY_BREAKS);
    const text = await fed(toyCounting()).exposition();
    expect(text).toContain(`# TYPE ${TOY_BREAKS} counter`);
    expect(sample(text, SERIES)).toBe(2);
    expect(text).toContain('ecs_events_exporter_records_total{result="processed"} 3');
  });

  it('is in the generated metrics reference', () => {
    const catalog = [
      ...eventMetricsOf(KINDS),
      ...METRIC_CATALOG.filter((m) => !EVENT_METRICS.includes(m)),
    ];
    const reference = renderMetricsReference(catalog);
    expect(reference).toContain(
      `| \`${TOY_BREAKS}\` | counter | \`aws_account_id\`, \`aws_region\`, \`ecs_cluster\`, \`ecs_service\` | Toys broken, once per event. |`,
    );
    expect(renderMetricsReference()).not.toContain(TOY_BREAKS);
  });

  it('is judged by check-pattern: its detail-type and sample event', async () => {
    const references = referencesOf(KINDS);
    expect(references.events.map((e) => e.name)).toContain('toy-broken');
    const dir = mkdtempSync(join(tmpdir(), 'toy-pattern-'));
    const check = async (pattern: unknown) => {
      const path = join(dir, 'pattern.json');
      writeFileSync(path, JSON.stringify(pattern));
      const report = await checkPatternFile(path, references.events, undefined, references);
      const [result] = report.patterns;
      return { result, toy: result?.detailTypes.find((d) => d.detailType === TOY_DETAIL_TYPE) };
    };
    const all = await check({ source: ['aws.ecs'] });
    expect(all.toy).toEqual({ detailType: TOY_DETAIL_TYPE, counted: true, events: 1, passed: 1 });
    const tasksOnly = await check({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
    });
    expect(tasksOnly.toy?.passed).toBe(0);
    expect(tasksOnly.result?.notSent).toContain(TOY_DETAIL_TYPE);
    // The registry's own check knows nothing of it.
    expect(referencesOf(EVENT_KINDS).events.map((e) => e.name)).not.toContain('toy-broken');
  });

  it('is planned by the simulator when its episode is asked for, and counted', async () => {
    const planner = new EpisodePlanner(createRandom(5), undefined, KINDS);
    expect(planner.names).toContain('toy_breaks');
    expect(new EpisodePlanner(createRandom(5)).names).not.toContain('toy_breaks');
    const [workload] = WORKLOADS.filter((w) => w.service !== undefined);
    const planned = planner.plan('toy_breaks', Date.UTC(2026, 10, 1), workload as Workload);
    expect(planned.map((p) => p.event['detail-type'])).toEqual([TOY_DETAIL_TYPE]);
    const counting = fed(
      toyCounting(),
      planned.map((p) => JSON.stringify(p.event)),
    );
    expect(counting.self.counts.records.processed).toBe(1);
    expect(sumOf(await counting.exposition(), TOY_BREAKS)).toBe(1);
  });

  it('is saved and restored through durable state, and counts each event once across it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-state-'));
    const durableFor = (counting: Counting) =>
      new DurableState({
        store: new FileStateStore({ directory: dir, fileName: 'state.json' }),
        counting,
        source: {
          position: () => ({ at: counting.self.counts.records.processed }),
          checkPosition: () => undefined,
        },
        intervalMs: 60_000,
        logger: silentLogger,
      });
    const before = toyCounting();
    await durableFor(before).restore();
    fed(before);
    await durableFor(before).save();
    const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as unknown;
    expect(JSON.stringify(saved)).toContain('"toy-state-change"');
    const after = toyCounting();
    await durableFor(after).restore();
    const toys = (c: Counting) => (c.recentFailures() as Record<string, unknown>).toys;
    expect(toys(after)).toEqual(toys(before));
    expect(toys(after)).toHaveLength(2);
    expect(sample(await after.exposition(), SERIES)).toBe(2);
    fed(after, RECORDS);
    expect(after.self.counts.records.duplicate).toBe(3);
    // Scrapes show what was saved: saved again, the toy's count is still 2.
    await durableFor(after).save();
    expect(sample(await after.exposition(), SERIES)).toBe(2);
  });

  it('lists its failures on the landing page and at /api/recent-failures', async () => {
    const counting = fed(toyCounting());
    const server = await startServer(
      {
        render: (format, onChunk, keep) => counting.render(format, onChunk, keep),
        health: () => ({ ok: true, reason: 'test' }),
        readiness: () => ({ ok: true, reason: 'test' }),
        recentFailures: () => counting.failurePage(),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
    );
    try {
      const page = await (await fetch(`${server.url}/`)).text();
      expect(page).toContain('<section id="toys"><h2>Recent failed toys</h2>');
      expect(page.match(/<tr class="toy">/g)).toHaveLength(2);
      expect(page).toContain(
        'the most recent failed tasks, deployments, daemon deployments, hooks and toys it counted',
      );
      expect(page).toContain('title="dropped on the floor">dropped on the floor</summary>');
      const body = (await (await fetch(`${server.url}/api/recent-failures`)).json()) as Record<
        string,
        unknown[]
      >;
      expect(Object.keys(body)).toEqual([
        'tasks',
        'deployments',
        'daemon-deployments',
        'hooks',
        'toys',
      ]);
      expect(body.toys?.[0]).toEqual({
        time: '2026-11-01T10:05:00.000Z',
        account: '123456789012',
        region: 'eu-west-1',
        cluster: 'prod',
        service: 'web',
        toyId: 'toy-2',
        reason: 'dropped on the floor',
      });
    } finally {
      await server.close();
    }
  });
});
