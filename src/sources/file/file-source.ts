/**
 * Archived events from files, a directory of them, or standard input, as a
 * source: each file's format is detected on its own (see archive-format.ts),
 * and every record is read once from the start to the end. Opening is done
 * first, so a missing or unreadable path is one clear error before anything
 * is read. Replay keeps no position: it always starts at the beginning.
 */

import { readSync } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Check } from '../../base/check.js';
import { errnoInWords } from '../../base/errno.js';
import type { Json, PositionProblem } from '../../base/position.js';
import type { RecordSink, Source } from '../source.js';
import { openArchive } from './archive-format.js';
import type { Chunks, RecordBatch } from './line-reader.js';

export class ReplayInputError extends Error {}

/**
 * Read size for replay files. 64 KiB reads keep the peak RSS of a large
 * replay near that of standard input (1 MiB reads cost about 100 MiB more
 * for a 770 MB file) and were faster too.
 */
export const REPLAY_CHUNK_BYTES = 64 * 1024;

/** Chunks read between two turns of the event loop: 4 MiB at the default read size. */
const CHUNKS_PER_TURN = 64;

/**
 * A regular file's bytes in chunks of `size`, read synchronously: from the
 * page cache a read costs a copy, while an asynchronous one (a stream, or a
 * read kept under way ahead of the consumer) costs a turn of the event loop
 * through the thread pool, and the counting sat idle for a fifth of a
 * replay waiting for them. Replay has nothing else to serve; it still lets
 * the event loop turn every few MiB, for the output and for signals.
 */
export async function* fileChunks(handle: FileHandle, size: number): AsyncGenerator<Buffer> {
  try {
    for (let n = 1; ; n++) {
      const buffer = Buffer.allocUnsafe(size);
      const bytesRead = readSync(handle.fd, buffer, 0, size, null);
      if (bytesRead === 0) return;
      yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
      if (n % CHUNKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await handle.close();
  }
}

/** The file CloudWatch Logs writes to an export's prefix to check it may write there. */
const EXPORT_WRITE_TEST = 'aws-logs-write-test';

/** One file (or standard input) to read. */
export interface ReplayInput {
  readonly name: string;
  open(): Promise<Chunks>;
}

/** What was read from one input, for the replay summary. */
export interface InputReport {
  readonly name: string;
  format: string;
  problem?: string;
}

function cannot(path: string, err: unknown): ReplayInputError {
  const why = errnoInWords(err, { ENOENT: 'no such file', EACCES: 'permission denied' });
  return new ReplayInputError(`cannot replay ${path}: ${why}`);
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.name !== EXPORT_WRITE_TEST && !entry.name.startsWith('.')) out.push(path);
  }
  return out;
}

function fileInput(path: string): ReplayInput {
  return {
    name: path,
    open: async () => {
      try {
        const handle = await open(path, 'r');
        // A pipe or device (a FIFO, /dev/stdin) is read as a stream: a
        // synchronous read would hold the event loop while its writer is slow.
        if ((await handle.stat()).isFile()) return fileChunks(handle, REPLAY_CHUNK_BYTES);
        return handle.createReadStream({ highWaterMark: REPLAY_CHUNK_BYTES });
      } catch (err) {
        throw cannot(path, err);
      }
    },
  };
}

/**
 * The inputs of `path`: standard input for `-`, the file, or every file
 * under the directory (recursively, in name order, hidden files and an
 * export's `aws-logs-write-test` left out).
 */
export async function replayInputs(path: string, stdin: Readable): Promise<ReplayInput[]> {
  if (path === '-') return [{ name: 'standard input', open: async () => stdin }];
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    throw cannot(path, err);
  }
  if (!info.isDirectory()) {
    // Opened now, so a file that cannot be read fails before anything is counted.
    try {
      await (await open(path, 'r')).close();
    } catch (err) {
      throw cannot(path, err);
    }
    return [fileInput(path)];
  }
  let files: string[];
  try {
    files = await filesUnder(path);
  } catch (err) {
    throw cannot(path, err);
  }
  if (files.length === 0) throw new ReplayInputError(`cannot replay ${path}: no files in it`);
  return files.map(fileInput);
}

/** Each input's format detected and its record batches, in order; `reports` fills as they open. */
export async function* readInputs(
  inputs: readonly ReplayInput[],
  reports: InputReport[],
): AsyncGenerator<RecordBatch> {
  for (const input of inputs) {
    const archive = await openArchive(await input.open(), input.name);
    const report: InputReport = { name: input.name, format: archive.format };
    reports.push(report);
    yield* archive.batches;
    const problem = archive.problem();
    if (problem !== undefined) report.problem = problem;
  }
}

export class FileSource implements Source {
  readonly description: string;
  readonly #inputs: readonly ReplayInput[];
  /** What each input turned out to be, in reading order. */
  readonly reports: InputReport[] = [];
  #records = 0;
  #state: 'new' | 'reading' | 'done' | 'failed' = 'new';
  #error: Error | undefined;
  #stopped = false;
  /** Resolves once every record was delivered; rejects when reading failed. */
  finished: Promise<void> = Promise.resolve();

  constructor(inputs: readonly ReplayInput[], description: string) {
    this.#inputs = inputs;
    this.description = description;
  }

  checkPosition(_position: Json): PositionProblem {
    return { kind: 'foreign', reason: 'a replay always starts at the beginning' };
  }

  async start(sink: RecordSink, _position: Json | undefined): Promise<void> {
    this.#state = 'reading';
    this.finished = (async () => {
      for await (const batch of readInputs(this.#inputs, this.reports)) {
        if (this.#stopped) return;
        sink.records(batch.records);
        for (const _ of batch.oversized) sink.oversized();
        this.#records += batch.records.length + batch.oversized.length;
      }
    })().then(
      () => {
        this.#state = 'done';
      },
      (err: unknown) => {
        this.#state = 'failed';
        this.#error = err as Error;
        throw err;
      },
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.finished.catch(() => undefined);
  }

  position(): Json {
    return { records: this.#records };
  }

  health(): Check {
    return this.#state === 'failed'
      ? { ok: false, reason: `reading ${this.description} failed: ${this.#error?.message}` }
      : { ok: true, reason: `${this.#records} records read from ${this.description}` };
  }

  readiness(): Check {
    return this.#state === 'done'
      ? { ok: true, reason: `${this.description} read to its end` }
      : { ok: false, reason: `${this.description} not read to its end yet` };
  }
}
