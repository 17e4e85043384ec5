/**
 * Reading a replay file in chunks: every byte in order, other work let run
 * in between, and the file closed when a reader stops early.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../src/sources/file/archive-format.js';
import { fileChunks } from '../../../src/sources/file/file-source.js';

const dir = mkdtempSync(join(tmpdir(), 'file-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a replay file', () => {
  it('gives every byte in order, in chunks of the read size and a shorter last one', async () => {
    // More chunks than are read between two turns of the event loop, and a partial last one.
    const bytes = randomBytes(1024 * 150 + 77);
    const path = join(dir, 'whole.bin');
    writeFileSync(path, bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of fileChunks(await open(path, 'r'), 1024)) chunks.push(chunk);
    expect(chunks).toHaveLength(151);
    expect(chunks.slice(0, -1).every((c) => c.length === 1024)).toBe(true);
    expect(chunks.at(-1)?.length).toBe(77);
    // Joined only after all were read: no chunk was overwritten by a later read.
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('lets other work run while it reads, and closes the file when the reader stops early', async () => {
    const path = join(dir, 'early.bin');
    writeFileSync(path, randomBytes(1024 * 200));
    const handle = await open(path, 'r');
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    let read = 0;
    try {
      for await (const chunk of fileChunks(handle, 1024)) {
        read += chunk.length;
        // Synchronous work per chunk, as the counting does.
        const until = performance.now() + 0.05;
        while (performance.now() < until) {}
        if (read >= 1024 * 190) break;
      }
    } finally {
      clearInterval(ticking);
    }
    expect(turns).toBeGreaterThan(0);
    // Closed: a read on the handle now fails.
    await expect(handle.read(Buffer.alloc(1), 0, 1, 0)).rejects.toThrow(/closed|EBADF/);
  });

  it('closes the file when a reader of its records stops after the first batch', async () => {
    const path = join(dir, 'records.ndjson');
    writeFileSync(path, `${'{"a":1}\n'.repeat(60_000)}`);
    const handle = await open(path, 'r');
    const archive = await openArchive(fileChunks(handle, 1024), path);
    expect(archive.format).toBe('ndjson');
    for await (const batch of archive.batches) {
      expect(batch.records.length).toBeGreaterThan(0);
      break;
    }
    await expect(handle.read(Buffer.alloc(1), 0, 1, 0)).rejects.toThrow(/closed|EBADF/);
  });
});
