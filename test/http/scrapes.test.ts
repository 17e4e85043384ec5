/**
 * Scrapes of the exporter's HTTP server on 127.0.0.1, port 0: gzip,
 * OpenMetrics, HEAD, 405s, bodies and slow headers refused, pipelining,
 * the per-address connection cap, concurrent scrapes at the series cap while
 * /healthz keeps its budget, and a finished render served again.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS, type RunningServer, startServer } from '../../src/http/server.js';
import { SharedScrapes } from '../../src/http/shared-scrapes.js';
import { captureState, publishState } from '../../src/state/durable-state.js';
import { freshCore, silentLogger } from '../helpers/exposition.js';
import { wideCorpus } from '../helpers/wide-corpus.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` on a raw connection; resolves with all it reads until the server closes it. */
function raw(port: number, text: string, holdOpenMs = 0): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      if (holdOpenMs > 0) setTimeout(() => socket.write('x'), holdOpenMs);
    });
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      out += d;
    });
    socket.on('close', () => resolve({ text: out, ms: performance.now() - started }));
    // A connection past the cap is reset: it reads as closed with nothing said.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
  });
}

describe('scrapes', () => {
  let server: RunningServer;
  let renders = 0;
  let port = 0;
  let expected = '';

  beforeAll(async () => {
    const core = freshCore();
    for (const line of wideCorpus(600, 300)) core.pipeline.handle(line);
    expected = await core.exposition();
    server = await startServer(
      {
        render: (format, onChunk, keep) => {
          renders++;
          return core.render(format, onChunk, keep);
        },
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({ ok: true, reason: 'ready' }),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
    );
    port = server.address.port;
  });

  afterAll(async () => {
    await server.close();
  });

  it('gzips the exposition when the scraper accepts gzip, and not otherwise', async () => {
    const zipped = await get(`${server.url}/metrics`, { 'Accept-Encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(expected);
    expect(zipped.body.length).toBeLessThan(expected.length / 5);
    const plain = await get(`${server.url}/metrics`, { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(expected);
    const none = await get(`${server.url}/metrics`);
    expect(none.headers['content-encoding']).toBeUndefined();
    const refused = await get(`${server.url}/metrics`, { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it("serves OpenMetrics for Prometheus' Accept header, the text format otherwise", async () => {
    const prometheus =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await get(`${server.url}/metrics`, { Accept: prometheus });
    expect(om.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(om.body.toString('utf8').endsWith('# EOF\n')).toBe(true);
    for (const accept of [
      '*/*',
      'text/plain;version=0.0.4',
      'text/plain, application/openmetrics-text;q=0.5',
    ]) {
      const text = await get(`${server.url}/metrics`, { Accept: accept });
      expect(text.headers['content-type'], accept).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(text.body.toString('utf8')).toBe(expected);
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get(`${server.url}/metrics`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(expected));
    expect(head.body.length).toBe(0);
  });

  it('refuses methods other than GET and HEAD with 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const reply = await get(`${server.url}/metrics`, {}, method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses a request with a body on its headers, without waiting for the body', async () => {
    // A slow-body POST: headers announce 1 MB, then nothing comes.
    const post = await raw(
      port,
      'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab',
    );
    expect(post.text).toMatch(/^HTTP\/1\.1 405 /);
    expect(post.ms).toBeLessThan(2000);
    const getWithBody = await raw(
      port,
      'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
    );
    expect(getWithBody.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(getWithBody.text).toMatch(/connection: close/i);
  });

  it('closes a connection whose request headers never end, within the headers timeout', async () => {
    const slow = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
    expect(slow.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.ms).toBeGreaterThanOrEqual(HTTP_LIMITS.headersTimeoutMs - 500);
    expect(slow.ms).toBeLessThan(HTTP_LIMITS.headersTimeoutMs + 5000);
  }, 15_000);

  it('serves 50 pipelined scrapes in one write from one render', async () => {
    const before = renders;
    const one = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
    const reply = await raw(
      port,
      `${one.repeat(49)}GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(reply.text.match(/^HTTP\/1\.1 200 /gm)?.length).toBe(50);
    expect(renders - before).toBe(1);
  });

  it('caps open connections from one address', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: HTTP_LIMITS.maxConnectionsPerAddress },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    try {
      const extra = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(extra.text).toBe('');
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('ten concurrent scrapes at the series cap', () => {
  // The liveness probe's default timeout: /healthz must answer within it during any scrape.
  const HEALTH_BUDGET_MS = 1000;
  let server: RunningServer;

  beforeAll(async () => {
    const core = freshCore();
    // 3,000 workloads: every task metric at the default cap of 3,000 series (168,000 lines).
    for (const line of wideCorpus(3000, 3000)) core.pipeline.handle(line);
    server = await startServer(
      {
        render: (format, onChunk, keep) => core.render(format, onChunk, keep),
        health: () => ({ ok: true, reason: 'reading' }),
        readiness: () => ({ ok: true, reason: 'ready' }),
      },
      { host: '127.0.0.1', port: 0 },
      silentLogger,
    );
  }, 60_000);

  afterAll(async () => {
    await server.close();
  });

  it('give ten identical bodies while /healthz answers within its budget', async () => {
    let scraping = true;
    const healthMs: number[] = [];
    const probe = (async () => {
      while (scraping) {
        const started = performance.now();
        const reply = await get(`${server.url}/healthz`);
        healthMs.push(performance.now() - started);
        expect(reply.status).toBe(200);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Staggered over 300 ms, so that some scrapes share a render and others start their own.
    const replies = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 30));
        const gzip = i % 2 === 0;
        const reply = await get(`${server.url}/metrics`, gzip ? { 'Accept-Encoding': 'gzip' } : {});
        expect(reply.status).toBe(200);
        return { gzip, body: reply.body };
      }),
    );
    scraping = false;
    await probe;
    // Decompressed only now: the test's own work must not hold up the probe above.
    const bodies = replies.map((r) => (r.gzip ? gunzipSync(r.body) : r.body));
    const first = bodies[0] as Buffer;
    expect(first.toString('utf8').split('\n').length).toBeGreaterThan(168_000);
    for (const body of bodies) expect(body.equals(first)).toBe(true);
    expect(healthMs.length).toBeGreaterThan(3);
    // Another test file shares this 2-core machine meanwhile: nine in ten
    // probes within the budget, none over twice it (the bench measures p99
    // on a machine of its own).
    const within = healthMs.filter((ms) => ms < HEALTH_BUDGET_MS).length;
    expect(
      within / healthMs.length,
      healthMs.map((ms) => Math.round(ms)).join(' '),
    ).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...healthMs)).toBeLessThan(2 * HEALTH_BUDGET_MS);
  }, 60_000);
});

describe('a finished render served again', () => {
  const setup = (withVersion: boolean) => {
    const core = freshCore();
    for (const line of wideCorpus(20, 10)) core.pipeline.handle(line);
    let renders = 0;
    const scrapes = new SharedScrapes(
      (format, onChunk, keep) => {
        renders++;
        return core.render(format, onChunk, keep);
      },
      withVersion ? { shownVersion: () => core.shownVersion(), reuseMs: 300 } : {},
    );
    const text = async (gzip = false) => {
      const body = await scrapes.body('text', gzip);
      const bytes = Buffer.concat(body.chunks);
      return (gzip ? gunzipSync(bytes) : bytes).toString('utf8');
    };
    return { core, text, renders: () => renders };
  };

  it('serves scrapes right after a render from it until what it shows changes, or the window ends', async () => {
    const { core, text, renders } = setup(true);
    const first = await text();
    expect(await text()).toBe(first);
    expect(await text(true)).toBe(first);
    expect(renders()).toBe(1);
    // A record counted: the next scrape renders, and shows it.
    core.pipeline.handle(wideCorpus(21, 10).at(-1) as string);
    const second = await text();
    expect(renders()).toBe(2);
    expect(second).not.toBe(first);
    expect(second).toBe(await core.exposition());
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await text()).toBe(second);
    expect(renders()).toBe(3);
  });

  it('renders again after a save is published, even with nothing counted since', async () => {
    const { core, text, renders } = setup(true);
    publishState(core, captureState(core));
    await text();
    publishState(core, captureState(core));
    await text();
    expect(renders()).toBe(2);
  });

  it('renders for every scrape without a version of what is shown', async () => {
    const { text, renders } = setup(false);
    await text();
    await text();
    expect(renders()).toBe(2);
  });
});

describe('what a render keeps', () => {
  const setup = () => {
    const core = freshCore();
    for (const line of wideCorpus(50, 20)) core.pipeline.handle(line);
    const kept: boolean[] = [];
    const scrapes = new SharedScrapes((format, onChunk, keep) => {
      kept.push(keep);
      return core.render(format, onChunk, keep);
    });
    const text = (body: { chunks: readonly Buffer[] }, gzip: boolean) => {
      const bytes = Buffer.concat(body.chunks);
      return (gzip ? gunzipSync(bytes) : bytes).toString('utf8');
    };
    return { core, scrapes, kept, text };
  };

  it('a render for a gzip scrape compresses as it goes and asks the renderer to keep nothing', async () => {
    const { core, scrapes, kept, text } = setup();
    const body = await scrapes.body('text', true);
    expect(kept).toEqual([false]);
    expect(text(body, true)).toBe(await core.exposition());
  });

  it('an uncompressed scrape joins no gzip-only render, while a gzip scrape joins any', async () => {
    const first = setup();
    // Gzip first: the text is not kept, so the plain scrape renders for itself.
    const [zipped, plain] = await Promise.all([
      first.scrapes.body('text', true),
      first.scrapes.body('text', false),
    ]);
    expect(first.scrapes.renders).toBe(2);
    const expected = await first.core.exposition();
    expect(first.text(zipped, true)).toBe(expected);
    expect(first.text(plain, false)).toBe(expected);
    // Plain first: its text serves the gzip scrape too.
    const second = setup();
    const [plain2, zipped2] = await Promise.all([
      second.scrapes.body('openmetrics', false),
      second.scrapes.body('openmetrics', true),
    ]);
    expect(second.scrapes.renders).toBe(1);
    expect(second.text(zipped2, true)).toBe(second.text(plain2, false));
    expect(second.text(plain2, false)).toBe(await second.core.exposition('openmetrics'));
  });
});
