/**
 * Scrapes that share their work: every scrape that comes while a render of
 * its format runs (concurrent scrapers, pipelined requests) gets that
 * render's bytes, and so does one that comes shortly after it finished
 * (within `reuseMs`) while what it shows has not changed (`shownVersion`):
 * back-to-back scrapers at the series cap then cost one render per window,
 * not one each. A render's gzip is made once, on the thread pool, from the
 * first scraper that asks for it, and from then on alongside the render,
 * chunk by chunk. Nothing is kept past the window.
 */
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';

export type ExpositionFormat = 'text' | 'openmetrics';

/**
 * Renders `format`, telling `onChunk` of each chunk of UTF-8 text in order;
 * resolves when done, with the chunks when `keepChunks`, else with none.
 */
export type Render = (
  format: ExpositionFormat,
  onChunk: (chunk: Buffer) => void,
  keepChunks: boolean,
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

/**
 * One render and what is made of it. A render started for a gzip scrape
 * (what Prometheus asks for) compresses as it goes and keeps only the
 * compressed bytes, a few percent of the text at the series cap; one
 * started for an uncompressed scrape keeps the text, and makes the gzip
 * from it when asked.
 */
class SharedRender {
  readonly keepsText: boolean;
  readonly #finished: Promise<void>;
  readonly #chunks: Buffer[] = [];
  #done = false;
  #gzip: Gzip | undefined;
  #gzipped: Promise<ScrapeBody> | undefined;
  /** Chunks rendered in the current slice, for the gzip: written together once the render yields. */
  #pending: Buffer[] = [];

  constructor(
    render: (onChunk: (chunk: Buffer) => void, keepChunks: boolean) => Promise<unknown>,
    keepsText: boolean,
  ) {
    this.keepsText = keepsText;
    if (!keepsText) this.#startGzip();
    this.#finished = render((chunk) => {
      if (keepsText) this.#chunks.push(chunk);
      if (this.#gzip === undefined) return;
      if (this.#pending.length === 0) setImmediate(() => this.#writePending());
      this.#pending.push(chunk);
    }, false).then(
      () => {
        this.#done = true;
        this.#writePending();
        this.#gzip?.end();
      },
      (err: unknown) => {
        this.#done = true;
        this.#gzip?.destroy(err as Error);
        throw err;
      },
    );
  }

  /** Settles when the render has: the moment it may be reused from. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** The text; only of a render that keeps it. */
  plain(): Promise<ScrapeBody> {
    if (!this.keepsText) throw new Error('this render keeps only its gzip');
    return this.#finished.then(() => bodyOf(this.#chunks));
  }

  #writePending(): void {
    if (this.#pending.length === 0 || this.#gzip === undefined) return;
    this.#gzip.write(Buffer.concat(this.#pending));
    this.#pending = [];
  }

  #startGzip(): void {
    const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    const ended = once(gzip, 'end');
    // A failed render rejects `finished`, which the caller sees first.
    const gzipped = ended.then(() => bodyOf(out));
    this.#gzipped = gzipped;
    // Seen through gzip(), together with the render's own outcome; a failed
    // gzip of a kept text is made again by the next scrape that asks.
    gzipped.catch(() => {
      if (this.#gzipped === gzipped && this.keepsText) this.#gzipped = undefined;
    });
    for (let i = 0; i < this.#chunks.length; i += GZIP_BATCH) {
      gzip.write(Buffer.concat(this.#chunks.slice(i, i + GZIP_BATCH)));
    }
    if (this.#done) gzip.end();
    else this.#gzip = gzip;
  }

  gzip(): Promise<ScrapeBody> {
    if (this.#gzipped === undefined) this.#startGzip();
    return Promise.all([this.#finished, this.#gzipped]).then(([, body]) => body as ScrapeBody);
  }
}

/**
 * How long a finished render serves the scrapes that come after it: short
 * against any scrape interval, so the self metrics read at render time (CPU,
 * checkpoint age) are at most this much older than the scrape.
 */
export const RENDER_REUSE_MS = 1000;

export interface SharedScrapesOptions {
  /**
   * Changes whenever the counted or saved values the exposition shows do
   * (records counted, saves published). What is read live at render time
   * (self metrics, exemplars, gauges of tracked tasks) may be up to
   * `reuseMs` older in a render served again.
   */
  readonly shownVersion?: () => unknown;
  readonly reuseMs?: number;
}

interface Kept {
  readonly render: SharedRender;
  /** Order of the render's start: a render that started later is never replaced by an earlier one. */
  readonly started: number;
  readonly version: unknown;
  readonly finishedAt: number;
}

export class SharedScrapes {
  readonly #render: Render;
  readonly #running = new Map<ExpositionFormat, SharedRender>();
  /** The last finished render of each format, while it may be reused. */
  readonly #kept = new Map<ExpositionFormat, Kept>();
  readonly #shownVersion: (() => unknown) | undefined;
  readonly #reuseMs: number;
  #renders = 0;

  constructor(render: Render, options: SharedScrapesOptions = {}) {
    this.#render = render;
    this.#shownVersion = options.shownVersion;
    this.#reuseMs = options.shownVersion === undefined ? 0 : (options.reuseMs ?? RENDER_REUSE_MS);
  }

  /** Renders started so far: each served one scrape or more. */
  get renders(): number {
    return this.#renders;
  }

  /** The exposition in `format`, compressed when asked: from the running render if one is. */
  body(format: ExpositionFormat, gzip: boolean): Promise<ScrapeBody> {
    // Any render of the format serves a gzip scrape; only one keeping its text serves the others.
    const usable = (r: SharedRender | undefined) =>
      r !== undefined && (gzip || r.keepsText) ? r : undefined;
    const shared =
      usable(this.#running.get(format)) ??
      usable(this.#reusable(format)) ??
      this.#start(format, !gzip);
    return gzip ? shared.gzip() : shared.plain();
  }

  #reusable(format: ExpositionFormat): SharedRender | undefined {
    const kept = this.#kept.get(format);
    if (kept === undefined) return undefined;
    if (
      performance.now() - kept.finishedAt < this.#reuseMs &&
      Object.is(kept.version, this.#shownVersion?.())
    ) {
      return kept.render;
    }
    this.#kept.delete(format);
    return undefined;
  }

  #start(format: ExpositionFormat, keepText: boolean): SharedRender {
    this.#renders++;
    const started = this.#renders;
    // Read before rendering: a change during the render makes the next scrape render again.
    const version = this.#shownVersion?.();
    const render = new SharedRender(
      (onChunk, keepChunks) => this.#render(format, onChunk, keepChunks),
      keepText,
    );
    // The newest render of a format is the one later scrapes join.
    this.#running.set(format, render);
    const done = () => {
      if (this.#running.get(format) === render) this.#running.delete(format);
    };
    render.finished.then(() => {
      done();
      if (this.#reuseMs <= 0) return;
      const newer = this.#kept.get(format);
      if (newer !== undefined && newer.started > started) return;
      const kept = { render, started, version, finishedAt: performance.now() };
      this.#kept.set(format, kept);
      // Let the bytes go once the window has passed, scraped again or not.
      setTimeout(() => {
        if (this.#kept.get(format) === kept) this.#kept.delete(format);
      }, this.#reuseMs).unref();
    }, done);
    return render;
  }
}
