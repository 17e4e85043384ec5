/**
 * Scrapes that share their work: every scrape that comes while a render of
 * its format runs (concurrent scrapers, pipelined requests) gets that
 * render's bytes, and its gzip is made once, on the thread pool, when a
 * scraper first asks for it. Nothing is kept once the last of them is served.
 */
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

export type ExpositionFormat = 'text' | 'openmetrics';

export interface ScrapeBody {
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

/** zlib's default: at the series cap a quarter of level 1's size for a third more time. */
export const GZIP_LEVEL = 6;

function bodyOf(chunks: readonly Buffer[]): ScrapeBody {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return { chunks, length };
}

export async function gzipBody(body: ScrapeBody): Promise<ScrapeBody> {
  const gzip = createGzip({ level: GZIP_LEVEL });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(gzip, 'end');
  for (const chunk of body.chunks) gzip.write(chunk);
  gzip.end();
  await ended;
  return bodyOf(out);
}

class SharedRender {
  readonly plain: Promise<ScrapeBody>;
  #gzip: Promise<ScrapeBody> | undefined;

  constructor(chunks: Promise<readonly Buffer[]>) {
    this.plain = chunks.then(bodyOf);
  }

  gzip(): Promise<ScrapeBody> {
    this.#gzip ??= this.plain.then(gzipBody);
    return this.#gzip;
  }
}

export class SharedScrapes {
  readonly #render: (format: ExpositionFormat) => Promise<readonly Buffer[]>;
  readonly #running = new Map<ExpositionFormat, SharedRender>();
  #renders = 0;

  constructor(render: (format: ExpositionFormat) => Promise<readonly Buffer[]>) {
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
      const render = new SharedRender(this.#render(format));
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
