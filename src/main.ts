/**
 * Composition root: configuration → logger → registry → source + server.
 * The only module that knows every other one; it also owns signals and
 * shutdown.
 */
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createCore } from './core.js';
import { startServer } from './http/server.js';
import { canonicalExposition } from './metrics/canonical-exposition.js';
import { TaskSimulator } from './simulator/simulator.js';
import { openReplayInput, replayLines } from './sources/file-replay.js';

export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** `replay FILE|-`: the final exposition on stdout. Returns the exit code. */
export async function replay(
  config: Config,
  path: string,
  logger: Logger,
  io: Io,
): Promise<number> {
  let input: Readable;
  try {
    input = await openReplayInput(path, io.stdin);
  } catch (err) {
    io.stderr.write(`ecs-events-exporter: ${(err as Error).message}\n`);
    return 2;
  }
  const core = createCore(config, logger, false);
  await replayLines(input, core.pipeline);
  io.stdout.write(canonicalExposition(await core.registry.metrics()));
  return 0;
}

/** Waits for SIGINT or SIGTERM, then runs `shutdown` once. */
function onSignals(logger: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      shutdown().then(resolve, (err) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}

/** `demo`: the simulator feeds the pipeline; /metrics serves the result until a signal. */
export async function demo(config: Config, logger: Logger, io: Io): Promise<number> {
  const core = createCore(config, logger, true);
  const simulator = new TaskSimulator({
    tasksPerSecond: config.demoTasksPerSecond,
    emit: (events) => {
      for (const event of events) core.pipeline.handle(JSON.stringify(event));
    },
  });
  const server = await startServer(
    {
      render: async () => ({
        contentType: core.registry.contentType,
        body: await core.registry.metrics(),
      }),
      health: () => ({ ok: true, reason: 'simulator running' }),
      readiness: () => ({ ok: true, reason: 'simulator running' }),
    },
    config.listenAddress,
    logger,
  );
  simulator.start();
  logger.info({ url: server.url }, 'demo started');
  io.stdout.write(`Serving simulated ECS task metrics at ${server.url}/metrics (Ctrl-C to stop)\n`);
  await onSignals(logger, async () => {
    await simulator.stop();
    await server.close();
  });
  return 0;
}
