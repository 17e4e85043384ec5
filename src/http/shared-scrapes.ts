/**
 * Scrapes that share their work: every scrape that comes while a render of
 * its format runs (concurrent scrapers, pipelined requests) gets that
 * render's bytes. Its gzip is made once, on the thread pool, from the first
 * scraper that asks for it, and from then on alongside the render, chunk by
 * chunk. Nothing is kept once the last of them is served.
 */
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';

export type ExpositionFormat = 'text' | 'openmetrics';

/** Renders `format`, telling `onChunk` of each chunk of UTF-8 text in order; resolves when done. */
export type Render = (
  format: ExpositionFormat,
  onChunk: (chunk: Buffer) => void,
) => Promise<readonly Buffer[]>;

export interface ScrapeBody {
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

/** zlib's default: at the series cap 10% smaller than level 1, for three times the CPU (still under the render's). */
export const GZIP_LEVEL = 6;

function bodyOf(chunks: readonly Buffer[]): ScrapeBody {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return { chunks, length };
}

/** Chunks given to zlib at once: each write is a round trip between the thread pool and the event loop. */
const GZIP_BATCH = 64;

class SharedRender {
  readonly plain: Promise<ScrapeBody>;
  readonly #chunks: Buffer[] = [];
  #done = false;
  #gzip: Gzip | undefined;
  #gzipped: Promise<ScrapeBody> | undefined;
  /** Chunks rendered in the current slice, for the gzip: written together once the render yields. */
  #pending: Buffer[] = [];

  constructor(render: (onChunk: (chunk: Buffer) => void) => Promise<unknown>) {
    this.plain = render((chunk) => {
      this.#chunks.push(chunk);
      if (this.#gzip === undefined) return;
      if (this.#pending.length === 0) setImmediate(() => this.#writePending());
      this.#pending.push(chunk);
    }).then(
      () => {
        this.#done = true;
        this.#writePending();
        this.#gzip?.end();
        return bodyOf(this.#chunks);
      },
      (err: unknown) => {
        this.#done = true;
        this.#gzip?.destroy(err as Error);
        throw err;
      },
    );
  }

  #writePending(): void {
    if (this.#pending.length === 0 || this.#gzip === undefined) return;
    this.#gzip.write(Buffer.concat(this.#pending));
    this.#pending = [];
  }

  gzip(): Promise<ScrapeBody> {
    if (this.#gzipped !== undefined) return this.#gzipped;
    const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    const ended = once(gzip, 'end');
    for (let i = 0; i < this.#chunks.length; i += GZIP_BATCH) {
      gzip.write(Buffer.concat(this.#chunks.slice(i, i + GZIP_BATCH)));
    }
    if (this.#done) gzip.end();
    else this.#gzip = gzip;
    // A failed render rejects `plain`, which the caller sees first.
    this.#gzipped = Promise.all([this.plain, ended]).then(() => bodyOf(out));
    return this.#gzipped;
  }
}

export class SharedScrapes {
  readonly #render: Render;
  readonly #running = new Map<ExpositionFormat, SharedRender>();
  #renders = 0;

  constructor(render: Render) {
    this.#render = render;
  }

  /** Renders started so far: each served one scrape or more. */
  get renders(): number {
    return this.#renders;
  }

  /** The exposition in `format`, compressed when asked: from the running render if one is. */
  body(format: ExpositionFormat, gzip: boolean): Promise<ScrapeBody> {
    let shared = this.#running.get(format);
    if (shared === undefined) {
      this.#renders++;
      const render = new SharedRender((onChunk) => this.#render(format, onChunk));
      shared = render;
      this.#running.set(format, render);
      const done = () => {
        if (this.#running.get(format) === render) this.#running.delete(format);
      };
      render.plain.then(done, done);
    }
    return gzip ? shared.gzip() : shared.plain;
  }
}
