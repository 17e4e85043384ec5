/**
 * FileStateStore in a temporary directory: round trips, atomic replacement,
 * crash leftovers removed, unusable bytes set aside, loud failures retried.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/file-state-store.js';

describe('FileStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'state-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads nothing when nothing was saved', async () => {
    const store = new FileStateStore({ directory: join(dir, 'missing'), fileName: 's.json' });
    expect(await store.load()).toBeUndefined();
  });

  it('round-trips bytes, creating the directory, with a new generation per save', async () => {
    const directory = join(dir, 'state', 'nested');
    const store = new FileStateStore({ directory, fileName: 's.json' });
    const first = await store.save(Buffer.from('one'));
    const second = await store.save(Buffer.from('two!'));
    expect(second).not.toBe(first);
    const loaded = await new FileStateStore({ directory, fileName: 's.json' }).load();
    expect(Buffer.from(loaded?.bytes ?? []).toString()).toBe('two!');
    expect(loaded?.generation).toBe(second);
    expect(await readdir(directory)).toEqual(['s.json']);
  });

  it('replaces the file atomically: readers never see a partial file', async () => {
    const store = new FileStateStore({ directory: dir, fileName: 'atomic.json' });
    const big = (i: number) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(2_000_000) }));
    await store.save(big(1));
    const saves = Array.from({ length: 20 }, (_, i) => store.save(big(i + 2)));
    let reads = 0;
    let done = false;
    const all = Promise.all(saves).then(() => {
      done = true;
    });
    while (!done) {
      JSON.parse(await readFile(store.path, 'utf8')); // throws on a torn file
      reads += 1;
    }
    await all;
    expect(reads).toBeGreaterThan(0);
    // Saves run in order: the last one wins, and no temporary file is left.
    const loaded = await store.load();
    expect(JSON.parse(Buffer.from(loaded?.bytes ?? []).toString()).i).toBe(21);
    expect(await readdir(dir)).toEqual(['atomic.json']);
  });

  it('removes a temporary file left by a crash, keeping the saved one', async () => {
    const store = new FileStateStore({ directory: dir, fileName: 's.json' });
    await store.save(Buffer.from('saved'));
    await writeFile(`${store.path}.tmp-999-1`, '{"version":3,"pos');
    expect(Buffer.from((await store.load())?.bytes ?? []).toString()).toBe('saved');
    expect(await readdir(dir)).toEqual(['s.json']);
  });

  it('sets unusable bytes aside under a dated name', async () => {
    const store = new FileStateStore({
      directory: dir,
      fileName: 's.json',
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    await store.save(Buffer.from('garbage'));
    await store.setAside('not JSON');
    expect(await readdir(dir)).toEqual(['s.json.corrupt-2026-01-02T03-04-05-000Z']);
    expect(await store.load()).toBeUndefined();
  });

  it('fails a save loudly when the directory cannot be made, and tries again next time', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const store = new FileStateStore({ directory: join(dir, 'file', 'sub'), fileName: 's.json' });
    await expect(store.save(Buffer.from('a'))).rejects.toThrow();
    await expect(store.save(Buffer.from('a'))).rejects.toThrow();
  });
});
