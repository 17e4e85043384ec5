/**
 * The HTTP surface: /metrics in the Prometheus text format, /healthz,
 * /readyz and a landing page. It is handed functions and never reaches into
 * exporter state itself.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';

export interface Check {
  readonly ok: boolean;
  readonly reason: string;
}

export interface HttpHandlers {
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
  health(): Check;
  readiness(): Check;
}

export interface RunningServer {
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ECS events exporter</title></head>
<body><h1>ECS events exporter</h1>
<p>Amazon ECS task state change events as Prometheus metrics.</p>
<ul><li><a href="metrics">/metrics</a></li><li><a href="healthz">/healthz</a></li><li><a href="readyz">/readyz</a></li></ul>
</body></html>
`;

export function createApp(handlers: HttpHandlers, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.type('html').send(LANDING);
  });
  app.get('/metrics', async (_req, res) => {
    try {
      const { contentType, body } = await handlers.render();
      res.set('Content-Type', contentType).send(body);
    } catch (err) {
      logger.error({ err }, 'rendering metrics failed');
      res.status(500).type('text').send('rendering metrics failed\n');
    }
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
): Promise<RunningServer> {
  const app = createApp(handlers, logger);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(listen.port, listen.host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
