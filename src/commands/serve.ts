/**
 * What `run` and `demo` share: durable state restored before anything is
 * served, the HTTP server over the counting, the source started after the
 * restored position, and a shutdown that saves once more and always ends.
 */

import type { Logger } from 'pino';
import type { Check } from '../base/check.js';
import { errnoInWords } from '../base/errno.js';
import type { Config } from '../config.js';
import { type Counting, createCounting } from '../counting.js';
import { DeadlineExceeded, withDeadline } from '../deadline.js';
import { type RunningServer, startServer } from '../http/server.js';
import { loadWebConfig, type WebConfig } from '../http/web-config.js';
import { liveMetrics } from '../metrics/process-metrics.js';
import type { Source } from '../sources/source.js';
import type { OpenedSource } from '../sources/source-factory.js';
import type { DurableState } from '../state/durable-state.js';

/** The counting and the source that feeds it, as `run` reads: the stopped-task retention given. */
export function createReading(
  config: Config,
  logger: Logger,
  opened: OpenedSource,
  retentionMs: number | undefined,
): { counting: Counting; source: Source } {
  const counting = createCounting(
    { ...config, stoppedTaskRetentionMs: retentionMs },
    logger,
    liveMetrics(),
  );
  return { counting, source: opened.create(counting.registry) };
}

/** Longest a graceful shutdown may take before the process exits anyway. */
export const SHUTDOWN_BUDGET_MS = 8000;

/** A check made before serving failed: the start stops with exit status 2 and this message. */
export class StartupCheckFailed extends Error {
  override readonly name = 'StartupCheckFailed';
}

/** Runs a check made before serving; its failure becomes StartupCheckFailed. */
async function startupCheck<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new StartupCheckFailed((err as Error).message, { cause: err });
  }
}

/** Both verdicts must be ok; the reasons of those that fail, else of all. */
export function both(a: Check, b: Check | undefined): Check {
  if (b === undefined) return a;
  if (a.ok && b.ok) return { ok: true, reason: `${a.reason}; ${b.reason}` };
  return {
    ok: false,
    reason: [a, b]
      .filter((c) => !c.ok)
      .map((c) => c.reason)
      .join('; '),
  };
}

/**
 * The --web.config.file, read and checked; undefined without one. A file that
 * cannot be read or is not valid throws StartupCheckFailed (exit 2).
 */
export function readWebConfig(config: Config, logger: Logger): WebConfig | undefined {
  const path = config.webConfigFile;
  if (path === undefined) return undefined;
  let web: WebConfig;
  try {
    web = loadWebConfig(path);
  } catch (err) {
    throw new StartupCheckFailed((err as Error).message, { cause: err });
  }
  if (web.users.size > 0 && web.tls === undefined) {
    logger.warn(
      { webConfigFile: path },
      'basic auth without TLS: passwords cross the network in clear text',
    );
  }
  logger.info(
    {
      webConfigFile: path,
      tls: web.tls === undefined ? 'off' : `on (client certificates: ${web.tls.clientAuthType})`,
      basicAuthUsers: web.users.size,
    },
    'web configuration read',
  );
  return web;
}

export interface Exporter {
  readonly server: RunningServer;
  stop(): Promise<void>;
}

export async function startExporter(
  config: Config,
  logger: Logger,
  counting: Counting,
  source: Source,
  durable: DurableState | undefined,
  web: WebConfig | undefined,
): Promise<Exporter> {
  // Restore before /metrics is served, so a scrape never sees the counters at
  // zero between a restart and the restore. A store that cannot be read stops the start.
  const position = durable === undefined ? undefined : await startupCheck(() => durable.restore());
  const server = await startupCheck(() =>
    startServer(
      {
        render: (format, onChunk, keep) => counting.render(format, onChunk, keep),
        shownVersion: () => counting.shownVersion(),
        health: () => both(source.health(), durable?.health()),
        readiness: () => both(source.readiness(), durable?.readiness()),
        recentFailures: () => counting.failurePage(),
      },
      config.listenAddress,
      logger,
      web,
    ).catch((err: unknown) => {
      const { host, port } = config.listenAddress;
      const why = errnoInWords(err, {
        EADDRINUSE: 'the address is in use',
        EACCES: 'permission denied',
      });
      throw new Error(`cannot listen on ${host}:${port}: ${why}`);
    }),
  );
  await source.start(counting.sink, position);
  durable?.start();
  logger.info(
    { url: server.url, source: source.description, state: durable?.description ?? 'not kept' },
    'exporter started',
  );
  return {
    server,
    stop: async () => {
      try {
        await source.stop();
        await durable?.stop();
      } finally {
        await server.close();
      }
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function signalled(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * Runs `stop` and returns the exit status. After the shutdown budget it stops
 * waiting and ends the process (status 1) whatever is still pending: a file
 * system call that never returns keeps Node's event loop alive for ever.
 */
export async function shutdown(
  logger: Logger,
  stop: () => Promise<void>,
  options: { budgetMs?: number; exit?: (code: number) => void } = {},
): Promise<number> {
  const budgetMs = options.budgetMs ?? SHUTDOWN_BUDGET_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  try {
    await withDeadline(stop(), budgetMs, 'shutdown');
    logger.info('stopped');
    return 0;
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      logger.error({ budgetMs }, 'shutdown took too long; exiting anyway');
      exit(1);
      return 1;
    }
    logger.error({ reason: (err as Error).message }, `shutdown failed: ${(err as Error).message}`);
    return 1;
  }
}
