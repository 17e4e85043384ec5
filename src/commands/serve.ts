/**
 * What `run` and `demo` share: durable state restored before anything is
 * served, the HTTP server over the counting, the source started after the
 * restored position, and a shutdown that saves once more and always ends.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Counting } from '../counting.js';
import { type RunningServer, startServer } from '../http/server.js';
import type { Source } from '../sources/source.js';
import type { DurableState } from '../state/durable-state.js';

/** Longest a graceful shutdown may take before the process exits anyway. */
export const SHUTDOWN_BUDGET_MS = 8000;

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
): Promise<Exporter> {
  // Restore before /metrics is served, so a scrape never sees the counters at
  // zero between a restart and the restore.
  const position = durable === undefined ? undefined : await durable.restore();
  const server = await startServer(
    {
      render: async () => ({
        contentType: counting.registry.contentType,
        body: await counting.registry.metrics(),
      }),
      health: () => source.health(),
      readiness: () => source.readiness(),
    },
    config.listenAddress,
    logger,
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
      await source.stop();
      await durable?.stop();
      await server.close();
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

/** Runs `stop`, but gives up waiting after the shutdown budget. */
export async function shutdown(logger: Logger, stop: () => Promise<void>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SHUTDOWN_BUDGET_MS);
  });
  try {
    const outcome = await Promise.race([stop().then(() => 'done' as const), late]);
    if (outcome === 'late') {
      logger.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting anyway');
      return 1;
    }
    logger.info('stopped');
    return 0;
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    return 1;
  } finally {
    clearTimeout(timer);
  }
}
