/**
 * The HTTP surface: /metrics in the Prometheus text format or OpenMetrics,
 * gzipped when asked, /healthz, /readyz and a landing page. It is handed
 * functions and never reaches into exporter state itself.
 *
 * Limits that fit a scrape target on a shared network, where any pod or task
 * can connect: GET and HEAD only (405 otherwise), no request body (413,
 * refused on its headers), requests and headers within seconds, and open
 * connections capped per remote address as well as in all, so one client
 * holding slow sockets cannot take the slots a scraper or probe from
 * elsewhere needs. An error in a handler answers a short 500 (no stack, no
 * paths) and is logged as JSON; every answer says `nosniff`.
 *
 * With a web config, /healthz and /readyz tell strangers only the verdict and
 * a generic cause (public-reason.ts); the full reasons are on /status, behind
 * the same authentication as /metrics.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import type { Logger } from 'pino';
import {
  type Authenticator,
  createAuthenticator,
  isOpenPath,
  requireBasicAuth,
} from './basic-auth.js';
import { ConnectionBudget } from './connection-budget.js';
import { mountLandingPage, type RecentFailuresSource } from './landing-page.js';
import { acceptsGzip, wantsOpenMetrics } from './negotiation.js';
import { publicReason } from './public-reason.js';
import { TokenBucket } from './rate-limit.js';
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
  /**
   * Request line and headers together (Node's parser answers 431 past it, before
   * any JavaScript runs): a scrape's are a few hundred bytes. Node's default is 16 KiB.
   */
  maxHeaderBytes: 8192,
  /** A longer path and query is answered 414 before routing: every route here is a few characters. */
  maxUrlLength: 1024,
  /** Connections from one remote address past this are closed at once: a scraper or probe needs one or two. */
  maxConnectionsPerAddress: 16,
  /** New connections from one address per second past this (on average; twice as many at once) are refused. */
  newConnectionsPerAddressPerSecond: 100,
  /** Refused connections are held unread this long, this many at most (see connection-budget.ts). */
  tarpitMs: 5_000,
  tarpitSize: 512,
  /** Connections past this, from all addresses, are closed at once (file descriptors are finite). */
  maxConnections: 1024,
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

/** Headers on every answer: the operator's `http_server_config.headers` are added after these, replacing them. */
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

export function createApp(
  handlers: HttpHandlers,
  logger: Logger,
  web?: WebConfig,
  authenticate?: Authenticator,
): express.Express {
  const app = express();
  const scrapes = new SharedScrapes(
    handlers.render,
    handlers.shownVersion === undefined ? {} : { shownVersion: handlers.shownVersion },
  );
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.set(BASE_HEADERS);
    if (web !== undefined) res.set(web.headers);
    next();
  });
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
  if (web?.rateLimit !== undefined) {
    // The toolkit's rate_limit, on all but the probes: a flood must not restart the pod.
    const bucket = new TokenBucket(web.rateLimit);
    app.use((req, res, next) => {
      if (isOpenPath(req.path) || bucket.take()) {
        next();
        return;
      }
      res.status(429).set('Retry-After', '1').type('text').send('Too Many Requests\n');
    });
  }
  // --web-config-file with users: basic auth on all but /healthz and /readyz.
  if (authenticate !== undefined) app.use(requireBasicAuth(authenticate));
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
  // Open paths: with a web config, a stranger learns the verdict and a generic cause only.
  const check = (probe: () => Check) => (_req: express.Request, res: express.Response) => {
    const { ok, reason } = probe();
    const shown = web === undefined ? reason : publicReason(ok, reason);
    res
      .status(ok ? 200 : 503)
      .type('text')
      .send(`${ok ? 'ok' : 'not ok'}: ${shown}\n`);
  };
  app.get('/healthz', check(handlers.health));
  app.get('/readyz', check(handlers.readiness));
  // Behind the authentication of /metrics: the full reasons, as the logs have them.
  app.get('/status', (_req, res) => {
    res.json({ health: handlers.health(), readiness: handlers.readiness() });
  });
  app.use((_req, res) => {
    res.status(404).type('text').send('Not Found\n');
  });
  // Express hands any handler's error here: a short answer, the details to the log only.
  app.use(
    (err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        res.status(status).type('text').send('Bad Request\n');
        return;
      }
      logger.error({ err, method: req.method, route: req.route?.path }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.status(500).type('text').send('Internal Server Error\n');
    },
  );
  return app;
}

export async function startServer(
  handlers: HttpHandlers,
  listen: { host: string; port: number },
  logger: Logger,
  web?: WebConfig,
): Promise<RunningServer> {
  const authenticate =
    web !== undefined && web.users.size > 0 ? createAuthenticator(web.users) : undefined;
  const app = createApp(handlers, logger, web, authenticate);
  const options = {
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    headersTimeout: HTTP_LIMITS.headersTimeoutMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
    // Node looks for requests past their timeout this often (30 s by default).
    connectionsCheckingInterval: 1_000,
    maxHeaderSize: HTTP_LIMITS.maxHeaderBytes,
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url?.length ?? 0) > HTTP_LIMITS.maxUrlLength) {
      res.writeHead(414, { 'Content-Type': 'text/plain', Connection: 'close', ...BASE_HEADERS });
      res.end('URI Too Long\n');
      return;
    }
    app(req, res);
  };
  const tls = web?.tls;
  const server: Server =
    tls === undefined
      ? createServer(options, handle)
      : createTlsServer({ ...options, ...tlsServerOptions(tls) }, handle);
  if (tls !== undefined) {
    // Client certificate policies Node has no option for, checked once the handshake is done.
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!clientCertificateAccepted(tls.clientAuthType, socket)) socket.destroy();
    });
  }
  server.maxConnections = HTTP_LIMITS.maxConnections;
  // Before the HTTP (or TLS) layer sees it: only connections within their address's budget reach it.
  const budget = new ConnectionBudget(
    {
      open: HTTP_LIMITS.maxConnectionsPerAddress,
      perSecond: HTTP_LIMITS.newConnectionsPerAddressPerSecond,
      burst: 2 * HTTP_LIMITS.newConnectionsPerAddressPerSecond,
      tarpitSize: HTTP_LIMITS.tarpitSize,
      tarpitMs: HTTP_LIMITS.tarpitMs,
    },
    undefined,
    (address, why, refused) =>
      logger.warn(
        { remoteAddress: address, refused, why },
        why === 'open'
          ? 'connections refused: this address holds as many open connections as it may'
          : 'connections refused: this address opens new connections faster than it may',
      ),
  );
  const layers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!budget.admit(socket)) return;
    for (const layer of layers) layer.call(server, socket);
  });
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
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        budget.close();
      });
      await authenticate?.close();
    },
  };
}
