import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARD_END } from '../../src/checkpoints/checkpoint-store.js';
import {
  checkpointFileName,
  FileCheckpointStore,
  streamNameOf,
} from '../../src/checkpoints/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../src/checkpoints/memory-checkpoint-store.js';

const logger = pino({ level: 'silent' });

describe('FileCheckpointStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'checkpoint-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads nothing when there is no file', async () => {
    const store = new FileCheckpointStore({ directory: join(dir, 'missing'), stream: 's', logger });
    expect(await store.load()).toEqual(new Map());
  });

  it('round-trips positions in the versioned format, creating the directory', async () => {
    const directory = join(dir, 'state', 'nested');
    const store = new FileCheckpointStore({
      directory,
      stream: 'events',
      logger,
      now: () => Date.UTC(2024, 4, 1, 12, 0, 0),
    });
    const positions = new Map([
      ['shardId-000000000001', '49590338271490256608559692540925702759324208523137515618'],
      ['shardId-000000000000', SHARD_END],
    ]);
    await store.save(positions);
    expect(await store.load()).toEqual(positions);
    expect(store.path).toBe(join(directory, 'kinesis-checkpoint-events.json'));
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual({
      version: 2,
      stream: 'events',
      shards: {
        'shardId-000000000000': SHARD_END,
        'shardId-000000000001': '49590338271490256608559692540925702759324208523137515618',
      },
      savedAt: '2024-05-01T12:00:00.000Z',
    });
    expect(await readdir(directory)).toEqual(['kinesis-checkpoint-events.json']);
    // A new store on the same directory (a restart) reads the same.
    expect(await new FileCheckpointStore({ directory, stream: 'events' }).load()).toEqual(
      positions,
    );
  });

  it('round-trips any positions (property)', async () => {
    const shardId = fc
      .integer({ min: 0, max: 99999 })
      .map((n) => `shardId-${String(n).padStart(12, '0')}`);
    const position = fc.oneof(
      fc.constant(SHARD_END),
      fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(shardId, position), async (entries) => {
        const store = new FileCheckpointStore({ directory: dir, stream: 'prop', logger });
        const positions = new Map(Object.entries(entries));
        await store.save(positions);
        expect(await store.load()).toEqual(positions);
      }),
      { numRuns: 30 },
    );
  });

  it('names the file after the stream name, also for an ARN', () => {
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/ecs-events';
    expect(streamNameOf(arn)).toBe('ecs-events');
    expect(checkpointFileName(arn)).toBe('kinesis-checkpoint-ecs-events.json');
    expect(checkpointFileName('a b/c')).toBe('kinesis-checkpoint-a_b_c.json');
  });

  it('replaces the file atomically: readers never see a partial file', async () => {
    const store = new FileCheckpointStore({ directory: dir, stream: 'atomic', logger });
    const big = (i: number) =>
      new Map(
        Array.from({ length: 2000 }, (_, s) => [
          `shardId-${String(s).padStart(12, '0')}`,
          `${i}${'0'.repeat(50)}${s}`,
        ]),
      );
    await store.save(big(1));
    const saves = Array.from({ length: 20 }, (_, i) => store.save(big(i + 2)));
    let reads = 0;
    let done = false;
    const all = Promise.all(saves).then(() => {
      done = true;
    });
    while (!done) {
      const text = await readFile(store.path, 'utf8');
      const parsed = JSON.parse(text); // throws on a torn file
      expect(Object.keys(parsed.shards)).toHaveLength(2000);
      reads += 1;
    }
    await all;
    expect(reads).toBeGreaterThan(0);
    // Saves run in order: the last one wins, and no temporary file is left.
    expect((await store.load()).get('shardId-000000000000')).toBe(`21${'0'.repeat(50)}0`);
    expect(await readdir(dir)).toEqual(['kinesis-checkpoint-atomic.json']);
  });

  it('ignores, and removes, a temporary file left by a crash', async () => {
    const store = new FileCheckpointStore({ directory: dir, stream: 's', logger });
    await store.save(new Map([['shardId-000000000000', '1']]));
    await writeFile(`${store.path}.tmp-999-1`, '{"version":1,"stre');
    expect(await store.load()).toEqual(new Map([['shardId-000000000000', '1']]));
    expect(await readdir(dir)).toEqual(['kinesis-checkpoint-s.json']);
  });

  it('still reads a version 1 file (positions only)', async () => {
    const store = new FileCheckpointStore({ directory: dir, stream: 's', logger });
    await writeFile(store.path, '{"version":1,"stream":"s","shards":{"shardId-000000000000":"7"}}');
    expect(await store.load()).toEqual(new Map([['shardId-000000000000', '7']]));
  });

  it('saves the state captured at the time of the save, and restores it on load', async () => {
    let live = 1;
    let restored: unknown;
    const state = {
      capture: () => ({ live }),
      restore: (s: unknown) => {
        restored = s;
      },
    };
    const store = new FileCheckpointStore({ directory: dir, stream: 's', logger, state });
    const saving = store.save(new Map([['shardId-000000000000', '1']]));
    live = 2; // changes after the save was asked for are not in it
    await saving;
    const again = new FileCheckpointStore({ directory: dir, stream: 's', logger, state });
    expect(await again.load()).toEqual(new Map([['shardId-000000000000', '1']]));
    expect(restored).toEqual({ live: 1 });
  });

  it('moves the file aside and starts empty when the state cannot be restored', async () => {
    const good = new FileCheckpointStore({
      directory: dir,
      stream: 's',
      logger,
      state: { capture: () => ({ n: 1 }), restore: () => {} },
    });
    await good.save(new Map([['shardId-000000000000', '1']]));
    const refusing = new FileCheckpointStore({
      directory: dir,
      stream: 's',
      logger,
      state: {
        capture: () => null,
        restore: () => {
          throw new Error('state version 0 is not 1');
        },
      },
    });
    expect(await refusing.load()).toEqual(new Map());
    expect((await readdir(dir)).some((name) => name.includes('.corrupt-'))).toBe(true);
  });

  for (const [what, content] of [
    ['not JSON', '{"version":1,"stream":"s","shards":{"a":"1"'],
    ['another version', '{"version":99,"stream":"s","shards":{}}'],
    ['a bad position', '{"version":1,"stream":"s","shards":{"a":"12x"}}'],
    ['not an object', '[1,2,3]'],
    ['empty', ''],
  ] as const) {
    it(`moves a corrupt file aside (${what}) and starts empty`, async () => {
      const store = new FileCheckpointStore({
        directory: dir,
        stream: 's',
        logger,
        now: () => Date.UTC(2024, 0, 2, 3, 4, 5, 6),
      });
      await writeFile(store.path, content);
      expect(await store.load()).toEqual(new Map());
      const files = await readdir(dir);
      expect(files).toEqual(['kinesis-checkpoint-s.json.corrupt-2024-01-02T03-04-05-006Z']);
      expect(await readFile(join(dir, files[0] ?? ''), 'utf8')).toBe(content);
      // The next save writes a good file again.
      await store.save(new Map([['a', '5']]));
      expect(await store.load()).toEqual(new Map([['a', '5']]));
    });
  }

  it('treats a path it cannot read as a file as corrupt, without crashing', async () => {
    const store = new FileCheckpointStore({ directory: dir, stream: 's', logger });
    await mkdir(store.path); // a directory where the file should be: EISDIR on read
    expect(await store.load()).toEqual(new Map());
    expect((await readdir(dir))[0]).toMatch(/\.corrupt-/);
  });

  it('ignores a checkpoint of another stream', async () => {
    const store = new FileCheckpointStore({
      directory: dir,
      stream: 's',
      logger,
      fileName: 'cp.json',
    });
    await writeFile(join(dir, 'cp.json'), '{"version":1,"stream":"other","shards":{"a":"1"}}');
    expect(await store.load()).toEqual(new Map());
    expect(await readdir(dir)).toEqual(['cp.json']);
  });

  it('fails a save loudly when the directory cannot be made', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const store = new FileCheckpointStore({ directory: join(dir, 'file', 'sub'), stream: 's' });
    await expect(store.save(new Map([['a', '1']]))).rejects.toThrow();
    // A later save still runs.
    await expect(store.save(new Map([['a', '1']]))).rejects.toThrow();
  });
});

describe('MemoryCheckpointStore', () => {
  it('round-trips positions and copies them', async () => {
    const store = new MemoryCheckpointStore();
    expect(await store.load()).toEqual(new Map());
    const positions = new Map([['a', '1']]);
    await store.save(positions);
    positions.set('a', '2');
    expect(await store.load()).toEqual(new Map([['a', '1']]));
    expect(store.saves).toBe(1);
    expect(store.description).toMatch(/memory/);
  });
});
