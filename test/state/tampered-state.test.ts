/**
 * A saved state edited by hand or damaged on disk: a flipped byte, a
 * checksum taken away, counts no exporter makes, times outside ECS's
 * lifetime. Each is refused (set aside with a warning naming why) or bounded,
 * never served as it is, and the page never answers 500 from it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/http/server.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { DurableState, REWRITE_AFTER_MS } from '../../src/state/durable-state.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import { MAX_RESTORED_COUNT } from '../../src/state/restore-checks.js';
import { decodeState, encodeState } from '../../src/state/state-codec.js';
import { fixtureLine, freshCore, sumOf } from '../helpers/exposition.js';
import { capturingLogger } from '../helpers/log-lines.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SOURCE = {
  position: () => ({ stream: 's', shards: { 'shardId-000000000000': '42' } }),
  checkPosition: () => undefined,
};

/** A directory with a state saved from a real counting, and how to restore from it with the log lines. */
async function savedState() {
  const dir = mkdtempSync(join(tmpdir(), 'state-tampered-'));
  dirs.push(dir);
  const core = freshCore();
  for (const e of generateCorpus({ tasks: 10, seed: 3 })) core.pipeline.handle(JSON.stringify(e));
  core.pipeline.handle(fixtureLine('task-stopped-oom.json'));
  const store = () => new FileStateStore({ directory: dir, fileName: 'state.json' });
  const durable = new DurableState({
    store: store(),
    counting: core,
    source: SOURCE,
    intervalMs: 60_000,
    logger: pino({ level: 'silent' }),
  });
  await durable.restore();
  await durable.save();
  const path = join(dir, 'state.json');
  const restore = async () => {
    const { logger, lines } = capturingLogger();
    const fresh = freshCore();
    const position = await new DurableState({
      store: store(),
      counting: fresh,
      source: SOURCE,
      intervalMs: 60_000,
      logger,
    }).restore();
    const setAside = readdirSync(dir).filter((n) => n.startsWith('state.json.corrupt-'));
    return { fresh, position, lines, setAside };
  };
  return { dir, path, restore };
}

/** Re-encodes an edited document with a correct checksum, as someone editing it on purpose would. */
function edited(path: string, edit: (doc: { state: Record<string, unknown> }) => void): void {
  const saved = decodeState(readFileSync(path));
  const doc = { state: structuredClone(saved.state) as Record<string, unknown> };
  edit(doc);
  writeFileSync(path, encodeState({ ...saved, state: doc.state }));
}

describe('a tampered or damaged saved state', () => {
  it('is written 0600, and restores when untouched', async () => {
    const { path, restore } = await savedState();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { fresh, position, setAside } = await restore();
    expect(position).toEqual(SOURCE.position());
    expect(setAside).toEqual([]);
    expect(sumOf(await fresh.exposition(), 'ecs_task_stopped_total')).toBeGreaterThan(0);
  });

  it('with one byte flipped, is set aside with a warning naming the checksum, and nothing is served', async () => {
    const { path, restore } = await savedState();
    const bytes = readFileSync(path);
    // A digit inside the counting state, so the JSON stays valid and only the checksum can tell.
    const at = bytes.indexOf('"state":') + 200;
    const digit = bytes.indexOf(Buffer.from('1'), at);
    bytes[digit] = '7'.charCodeAt(0);
    writeFileSync(path, bytes);
    const { fresh, position, lines, setAside } = await restore();
    expect(position).toBeUndefined();
    expect(setAside).toHaveLength(1);
    const line = lines.find(
      (l) => l.msg === 'saved state unusable; set aside, starting without it',
    );
    expect(line?.reason).toMatch(/checksum mismatch/);
    expect(sumOf(await fresh.exposition(), 'ecs_task_stopped_total')).toBe(0);
  });

  it('without its checksum, or with format 4 claimed beside one, is set aside', async () => {
    for (const damage of [
      (text: string) => text.replace(/,"sha256":"[0-9a-f]{64}"\}/, '}'),
      (text: string) => text.replace('"version":5', '"version":4'),
    ]) {
      const { path, restore } = await savedState();
      writeFileSync(path, damage(readFileSync(path, 'utf8')));
      const { position, setAside, lines } = await restore();
      expect(position).toBeUndefined();
      expect(setAside).toHaveLength(1);
      expect(JSON.stringify(lines)).toMatch(/checksum/);
    }
  });

  it('with counts no exporter makes, is set aside even with a correct checksum', async () => {
    const { path, restore } = await savedState();
    edited(path, ({ state }) => {
      const families = (state.series as { families: Record<string, [string[], boolean, number][]> })
        .families;
      const [series] = families.ecs_task_stopped_total ?? [];
      if (series === undefined) throw new Error('no series to edit');
      series[2] = Number.MAX_SAFE_INTEGER;
    });
    const { fresh, position, lines } = await restore();
    expect(position).toBeUndefined();
    expect(JSON.stringify(lines)).toContain(`above ${MAX_RESTORED_COUNT}`);
    expect(sumOf(await fresh.exposition(), 'ecs_task_stopped_total')).toBe(0);
  });

  it('with recent failures at impossible times, drops those entries, and the page answers 200', async () => {
    const { path, restore } = await savedState();
    edited(path, ({ state }) => {
      const kind = (state.kinds as Record<string, { recentFailures: { timeMs: number }[] }>)[
        'task-state-change'
      ];
      const failures = kind?.recentFailures ?? [];
      expect(failures.length).toBeGreaterThan(0);
      const first = failures[0] as { timeMs: number };
      failures.push({ ...first, timeMs: 1e20 }, { ...first, timeMs: 0 });
      first.timeMs = Date.now() + 365 * 24 * 3600 * 1000;
    });
    const { fresh, position, lines } = await restore();
    expect(position).toEqual(SOURCE.position());
    const warned = lines.find((l) => l.droppedTimes !== undefined);
    expect(warned?.droppedTimes).toBe(3);
    const server = await startServer(
      {
        render: fresh.render.bind(fresh),
        health: () => ({ ok: true, reason: 'ok' }),
        readiness: () => ({ ok: true, reason: 'ok' }),
        recentFailures: () => fresh.failurePage(),
      },
      { host: '127.0.0.1', port: 0 },
      pino({ level: 'silent' }),
    );
    try {
      expect((await fetch(`${server.url}/`)).status).toBe(200);
      const api = await fetch(`${server.url}/api/recent-failures`);
      expect(api.status).toBe(200);
      const times = ((await api.json()) as { tasks: { time: string | null }[] }).tasks.map(
        (t) => t.time,
      );
      expect(times.every((t) => t !== null && Date.parse(t) <= Date.now() + 86_400_000)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('of format 4 (no checksum yet) still restores', async () => {
    const { path, restore } = await savedState();
    const text = readFileSync(path, 'utf8')
      .replace(/,"sha256":"[0-9a-f]{64}"\}/, '}')
      .replace('"version":5', '"version":4');
    writeFileSync(path, text);
    const { position, setAside } = await restore();
    expect(setAside).toEqual([]);
    expect(position).toEqual(SOURCE.position());
  });
});

describe('an unchanged state', () => {
  it('is written again after a day, so the bucket lifecycle rule never expires the current one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-rewrite-'));
    dirs.push(dir);
    let clock = Date.parse('2026-12-01T00:00:00Z');
    const core = freshCore();
    const writes: string[] = [];
    const store = new FileStateStore({ directory: dir, fileName: 'state.json' });
    const counted = {
      description: store.description,
      load: () => store.load(),
      probe: () => store.probe(),
      setAside: (reason: string) => store.setAside(reason),
      save: (bytes: Uint8Array) => {
        writes.push(new Date(clock).toISOString());
        return store.save(bytes);
      },
    };
    const durable = new DurableState({
      store: counted,
      counting: core,
      source: SOURCE,
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    await durable.restore();
    await durable.save();
    clock += REWRITE_AFTER_MS - 60_000;
    await durable.save();
    expect(writes).toHaveLength(1);
    clock += 120_000;
    await durable.save();
    expect(writes).toHaveLength(2);
  });
});
