/**
 * `run --lease-table` with a store that cannot keep its pointer in the lease
 * (a store added later that, like the file store, has no pointer to fence)
 * stops the start, instead of running every replica as an unfenced writer of
 * one state.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/run.js';
import type { Config } from '../../src/config.js';
import type { StoreFactory } from '../../src/state/create-store.js';
import { FileStateStore } from '../../src/state/file-state-store.js';
import { capturingLogger } from '../helpers/log-lines.js';
import { toyRunConfig } from '../helpers/toy-run.js';
import { TOY_SOURCE } from '../sources/toy/toy-source.js';

const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

describe('run --lease-table with a store replicas cannot share', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops the start with exit status 2 and says why, before reading or saving', async () => {
    const config = toyRunConfig([
      '--state-url',
      's3://never-used/prefix',
      '--lease-table',
      'never-read-leases',
    ]);
    // A store chosen by the option the lease accepts, but one file replaced by rename.
    const unshared: StoreFactory<Config> = {
      name: 'unshared',
      chosen: () => true,
      create: () => new FileStateStore({ directory: dir, fileName: 'state.json' }),
    };
    const { logger, lines } = capturingLogger();
    const status = await run({ ...config, toyFile: join(dir, 'none') } as Config, logger, io, {
      sources: [TOY_SOURCE],
      stores: [unshared],
    });
    expect(status).toBe(2);
    const errors = lines.filter((l) => l.level === 50).map((l) => l.msg);
    expect(errors).toEqual([
      `cannot start: --lease-table needs a state store replicas can share; file ${join(dir, 'state.json')} cannot keep its pointer in the lease`,
    ]);
    expect(lines.map((l) => l.msg)).not.toContain('exporter started');
    expect(await readdir(dir)).toEqual([]);
  });
});
