/**
 * The HTTP surface: /metrics in the Prometheus text format or OpenMetrics,
 * gzipped when asked, /healthz, /readyz and a landing page. It is handed
 * functions and never reaches into exporter state itself.
 *
 * Limits that fit a scrape target: GET and HEAD only (405 otherwise), no
 * request body (413, refused on its headers), requests and headers within
 * seconds, a cap on open connections.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import type { Logger } from 'pino';
import { requireBasicAuth } from './basic-auth.js';
import { mountLandingPage, type RecentFailuresSource } from './landing-page.js';
import { acceptsGzip, wantsOpenMetrics } from './negotiation.js';
import { type ExpositionFormat, type Render, SharedScrapes } from './shared-scrapes.js';
import { clientCertificateAccepted, tlsServerOptions, type WebConfig } from './web-config.js';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

export const HTTP_LIMITS = {
  /** Whole request (headers; there is no body) within this, else 408. */
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic either way is closed after this (a scraper that stopped reading). */
  idleTimeoutMs: 60_000,
  /** Connections past this are closed at once: scrapers and probes need a handful. */
  maxConnections: 64,
} as const;

export interface Check {
  readonly ok: boolean;
  readonly reason: string;
}

export interface HttpHandlers {
  /** Renders the exposition in `format`, handing each chunk of UTF-8 text to `onChunk` in order. */
  render: Render;
  /**
   * Changes whenever what `render` shows does (self metrics read at render
   * time aside): a render finished a moment ago is served again until it does.
   */
  shownVersion?: () => unknown;
  health(): Check;
  readiness(): Check;
  /** The failures behind the counts, for the landing page and /api/recent-failures. */
  recentFailures?: RecentFailuresSource;
}

export interface RunningServer {
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Answers with `status` and closes the connection, leaving any request body unread. */
function refuse(res: express.Response, status: number, message: string): void {
  res.status(status).set('Connection', 'close').type('text').send(`${message}\n`);
}

export function createApp(
  handlers: HttpHandlers,
  logger: Logger,
  web?: WebConfig,
): express.Express {
  const app = express();
  const scrapes = new SharedScrapes(
    handlers.render,
    handlers.shownVersion === undefined ? {} : { shownVersion: handlers.shownVersion },
  );
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, HEAD');
      refuse(res, 405, `${req.method} is not allowed: GET or HEAD`);
      return;
    }
    const length = req.headers['content-length'];
    if (
      req.headers['transfer-encoding'] !== undefined ||
      (length !== undefined && length !== '0')
    ) {
      refuse(res, 413, 'a request body is not accepted');
      return;
    }
    next();
  });
  if (web !== undefined) {
    // --web-config-file: its response headers, and basic auth on all but /healthz and /readyz.
    app.use((_req, res, next) => {
      res.set(web.headers);
      next();
    });
    if (web.users.size > 0) app.use(requireBasicAuth(web.users));
  }
  mountLandingPage(app, handlers.recentFailures);
  app.get('/metrics', async (req, res) => {
    const format = wantsOpenMetrics(req.get('accept')) ? 'openmetrics' : 'text';
    const gzip = acceptsGzip(req.get('accept-encoding'));
    let body: Awaited<ReturnType<SharedScrapes['body']>>;
    try {
      body = await scrapes.body(format, gzip);
    } catch (err) {
      logger.error({ err }, 'rendering metrics failed');
      res.status(500).type('text').send('rendering metrics failed\n');
      return;
    }
    res.status(200).set({
      'Content-Type': CONTENT_TYPES[format],
      'Content-Length': String(body.length),
      Vary: 'Accept, Accept-Encoding',
    });
    if (gzip) res.set('Content-Encoding', 'gzip');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    for (const chunk of body.chunks) res.write(chunk);
    res.end();
  });
  const check = (probe: () => Check) => (_req: express.Request, res: express.Response) => {
    const { ok, reason } = probe();
    res
      .status(ok ? 200 : 503)
      .type('text')
      .send(`${ok ? 'ok' : 'not ok'}: ${reason}\n`);
  };
  app.get('/healthz', check(handlers.health));
  app.get('/readyz', check(handlers.readiness));
  return app;
}

export async function startServer(
  handlers: HttpHandlers,
  listen: { host: string; port: number },
  logger: Logger,
  web?: WebConfig,
): Promise<RunningServer> {
  const app = createApp(handlers, logger, web);
  const options = {
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    headersTimeout: HTTP_LIMITS.headersTimeoutMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
    // Node looks for requests past their timeout this often (30 s by default).
    connectionsCheckingInterval: 1_000,
  };
  const tls = web?.tls;
  const server: Server =
    tls === undefined
      ? createServer(options, app)
      : createTlsServer({ ...options, ...tlsServerOptions(tls) }, app);
  if (tls !== undefined) {
    // Client certificate policies Node has no option for, checked once the handshake is done.
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!clientCertificateAccepted(tls.clientAuthType, socket)) socket.destroy();
    });
  }
  server.maxConnections = HTTP_LIMITS.maxConnections;
  server.setTimeout(HTTP_LIMITS.idleTimeoutMs, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
    server.listen(listen.port, listen.host);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
