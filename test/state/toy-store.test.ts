/**
 * Adding a state store is one class and one option: a toy store
 * (toy/toy-store.ts, one file) registered beside the file and S3 stores is
 * picked by its option, round-trips the counting state through durable
 * state, and, keeping its pointer with a DynamoDB lease (dynalite), is
 * written only by the lease holder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Positioned } from '../../src/base/position.js';
import type { Counting } from '../../src/counting.js';
import { DynamoLease, LeaseLost } from '../../src/leases/lease.js';
import { createStore, FILE_STORE, STORES } from '../../src/state/create-store.js';
import { DurableState } from '../../src/state/durable-state.js';
import { isSharedStore, type StateStore } from '../../src/state/state-store.js';
import {
  createLeaseTable,
  type DynamoTestServer,
  startDynamoServer,
} from '../helpers/dynamo-server.js';
import {
  fixtureLine,
  freshCore,
  replayConfig,
  silentLogger,
  taskLines,
} from '../helpers/exposition.js';
import { TOY_STORE, ToyStore, type ToyStoreConfig } from './toy/toy-store.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'];
const LINES = ['task-stopped-oom.json', 'task-exited.json', 'task-failed-to-start.json'].map(
  fixtureLine,
);
/** A source's position, as durable state reads it: three records read. */
const READ_THREE: Positioned = { position: () => ({ lines: 3 }), checkPosition: () => undefined };

const durable = (store: StateStore, counting: Counting) =>
  new DurableState({
    store,
    counting,
    source: READ_THREE,
    intervalMs: 60_000,
    logger: silentLogger,
  });

let dynamo: DynamoTestServer;
beforeAll(async () => {
  dynamo = await startDynamoServer();
  await createLeaseTable(dynamo.client, 'leases');
});
afterAll(async () => {
  await dynamo?.close();
});

describe('a toy store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toy-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is picked by its option and round-trips the counting state', async () => {
    const config: ToyStoreConfig = { ...replayConfig(), toyStateDir: dir };
    const store = createStore(config, silentLogger, 'unused', [TOY_STORE, ...STORES]);
    expect(store).toBeInstanceOf(ToyStore);
    // Without its option the stores of src/ are chosen as before.
    expect(createStore({ ...config, toyStateDir: undefined }, silentLogger, 'x', [TOY_STORE])).toBe(
      undefined,
    );

    const before = freshCore();
    for (const line of LINES) before.pipeline.handle(line);
    const saving = durable(store as StateStore, before);
    expect(await saving.restore()).toBeUndefined();
    await saving.save();
    const expected = taskLines(await before.exposition());
    expect(expected).toContain('ecs_task_stopped_total{');

    const after = freshCore();
    const position = await durable(new ToyStore(dir), after).restore();
    expect(position).toEqual({ lines: 3 });
    expect(taskLines(await after.exposition())).toBe(expected);
  });

  it('keeps its pointer with a lease: only the holder saves, a standby reads what it saved', async () => {
    const store = new ToyStore(dir);
    expect(isSharedStore(store)).toBe(true);
    expect(
      isSharedStore(FILE_STORE.create({ ...replayConfig(), stateDir: dir }, silentLogger, 's')),
    ).toBe(false);
    const lease = (owner: string) =>
      new DynamoLease({
        client: dynamo.client,
        table: 'leases',
        key: store.sharedLocation,
        owner,
        durationMs: 10_000,
      });
    const holder = lease('replica-a');
    const standby = lease('replica-b');
    expect((await holder.tryAcquire()).acquired).toBe(true);
    expect((await standby.tryAcquire()).acquired).toBe(false);

    const counting = freshCore();
    for (const line of LINES) counting.pipeline.handle(line);
    const leading = durable(store.withPointer(holder), counting);
    await leading.restore();
    await leading.save();
    const pointer = await holder.read();
    expect(pointer?.key).toMatch(/^state-\d+\.json$/);

    // The standby's store reads the pointer from the lease item, but cannot move it.
    const fenced = store.withPointer(standby);
    await expect(fenced.save(new Uint8Array([1]))).rejects.toBeInstanceOf(LeaseLost);
    const restored = freshCore();
    expect(await durable(fenced, restored).restore()).toEqual({ lines: 3 });
    expect(taskLines(await restored.exposition())).toBe(taskLines(await counting.exposition()));
    // Beside the saves there is no pointer of its own: the lease holds it.
    expect(readdirSync(dir).filter((f) => f.startsWith('current'))).toEqual([]);
    await holder.release();
  });

  it('takes one new file, and a line in each of state/create-store.ts and config.ts', () => {
    expect(readdirSync(join(ROOT, 'test/state/toy'))).toEqual(['toy-store.ts']);
    // What the stores added before it needed outside their own files: the
    // factory's line and the option. A store that needs a command, the lease
    // or durable state to know it shows up here.
    const own = /^state\/(s3-state-store|s3-client|s3-location|file-state-store)\.ts$/;
    const naming = (dir: string): string[] =>
      readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).flatMap((e) => {
        const path = join(dir, e.name);
        if (e.isDirectory()) return naming(path);
        if (own.test(path)) return [];
        const text = readFileSync(join(ROOT, 'src', path), 'utf8');
        return /from '[./]*(state\/)?(s3-state-store|s3-client|s3-location|file-state-store)\.js'/.test(
          text,
        )
          ? [path]
          : [];
      });
    const outside = naming('').sort();
    expect(outside).toEqual(['config.ts', 'state/create-store.ts']);
    // No command names a store's class: create-store.ts builds them.
    for (const file of readdirSync(join(ROOT, 'src/commands'))) {
      const text = readFileSync(join(ROOT, 'src/commands', file), 'utf8');
      expect(text, file).not.toMatch(/(File|S3)StateStore\b/);
    }
    // design.md states the count measured here: the store's own file and those outside.
    const design = readFileSync(join(ROOT, 'docs/design.md'), 'utf8');
    const section = /## Adding a state store\n((?:(?!\n## )[\s\S])*)/.exec(design)?.[1] ?? '';
    const stated = /\b(one|two|three|four|five|six|seven)\s+files\s+\(one new\)/.exec(section)?.[1];
    expect(stated).toBe(NUMBER_WORDS[1 + outside.length]);
  });
});
