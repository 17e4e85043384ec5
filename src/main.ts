/**
 * Composition root: configuration → logger → registry → source + server.
 * The only module that knows every other one; it also owns signals and
 * shutdown. `run` and `demo` share one path: the demo only adds a local
 * Kinesis-API server and the simulator that feeds it.
 */
import type { Readable, Writable } from 'node:stream';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { CheckpointStore } from './checkpoints/checkpoint-store.js';
import { FileCheckpointStore } from './checkpoints/file-checkpoint-store.js';
import { MemoryCheckpointStore } from './checkpoints/memory-checkpoint-store.js';
import type { Config } from './config.js';
import { type Core, createCore } from './core.js';
import { type RunningServer, startServer } from './http/server.js';
import { canonicalExposition } from './metrics/canonical-exposition.js';
import { createKinesisMetrics } from './metrics/kinesis-metrics.js';
import {
  ensureStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalKinesis,
  putEvents,
  startLocalKinesis,
} from './simulator/local-kinesis.js';
import { TaskSimulator } from './simulator/simulator.js';
import { openReplayInput, replayLines } from './sources/file-replay.js';
import { createKinesisClient } from './sources/kinesis/kinesis-client.js';
import { KinesisSource } from './sources/kinesis/kinesis-source.js';
import { formatStartPosition, type StartPosition } from './sources/kinesis/start-position.js';
import {
  captureState,
  type ExporterState,
  publishState,
  restoreState,
} from './state/exporter-state.js';

export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_BUDGET_MS = 8000;

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

interface Exporter {
  readonly server: RunningServer;
  stop(): Promise<void>;
}

/** The stream consumer feeding the pipeline, and the HTTP server over both. */
async function startExporter(
  config: Config,
  logger: Logger,
  client: KinesisClient,
  stream: string,
  startPosition: StartPosition,
  checkpointsFor: (core: Core) => CheckpointStore,
): Promise<Exporter> {
  const core = createCore(config, logger, true);
  const store = checkpointsFor(core);
  // Load (and restore the saved counts) before /metrics is served, so a
  // scrape never sees the counters at zero between a restart and the restore.
  const positions = await store.load();
  const checkpoints: CheckpointStore = {
    description: store.description,
    load: async () => positions,
    save: (latest) => store.save(latest),
  };
  const source = new KinesisSource({
    client,
    stream,
    startPosition,
    checkpoints,
    onRecords: (_shardId, records) => {
      for (const record of records) core.pipeline.handle(record.data);
    },
    logger: logger.child({ component: 'kinesis' }),
    metrics: createKinesisMetrics(core.registry),
    shardListIntervalMs: config.shardListIntervalMs,
    idleDelayMs: config.idleDelayMs,
    checkpointIntervalMs: config.checkpointIntervalMs,
    stallTimeoutMs: config.stallTimeoutMs,
    maxRecordsPerCall: config.maxRecordsPerCall,
  });
  const server = await startServer(
    {
      render: async () => ({
        contentType: core.registry.contentType,
        body: await core.registry.metrics(),
      }),
      health: () => {
        const { healthy, reason } = source.health();
        return { ok: healthy, reason };
      },
      readiness: () => {
        const { ready, reason } = source.readiness();
        return { ok: ready, reason };
      },
    },
    config.listenAddress,
    logger,
  );
  await source.start();
  logger.info(
    {
      url: server.url,
      stream,
      startPosition: formatStartPosition(startPosition),
      checkpoints: checkpoints.description,
    },
    'exporter started',
  );
  return {
    server,
    stop: async () => {
      await source.stop();
      await server.close();
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
function signalled(logger: Logger): Promise<void> {
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
async function shutdown(logger: Logger, stop: () => Promise<void>): Promise<number> {
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

/** `run`: consume the stream, serve /metrics until a signal. */
export async function run(config: Config, logger: Logger, io: Io): Promise<number> {
  const stream = config.stream as string;
  const client = createKinesisClient();
  try {
    await client.config.region();
  } catch {
    io.stderr.write(
      'ecs-events-exporter run: no AWS region: set AWS_REGION (or a region in the shared AWS config)\n',
    );
    return 2;
  }
  const stateDir = config.stateDir;
  if (stateDir === undefined) {
    logger.warn(
      'no --state-dir: positions and counts are not kept, a restart starts from zero at --start-position',
    );
  }
  // With a state dir, positions and counting state are saved together, so a
  // restart (even after kill -9) continues the counters and counts each record once.
  const checkpointsFor = (core: Core): CheckpointStore =>
    stateDir === undefined
      ? new MemoryCheckpointStore()
      : new FileCheckpointStore({
          directory: stateDir,
          stream,
          logger,
          state: {
            capture: () => captureState(core),
            restore: (s) => restoreState(core, s),
            saved: (s) => publishState(core, s as ExporterState),
          },
        });
  let exporter: Exporter;
  try {
    exporter = await startExporter(
      config,
      logger,
      client,
      stream,
      config.startPosition,
      checkpointsFor,
    );
  } catch (err) {
    io.stderr.write(`ecs-events-exporter run: ${(err as Error).message}\n`);
    return 1;
  }
  await signalled(logger);
  return shutdown(logger, exporter.stop);
}

export const DEMO_STREAM = 'ecs-task-events';

/**
 * `demo`: a Kinesis-API server (`--kinesis-endpoint`, else an in-process one
 * on 127.0.0.1), a stream of `--shards` shards on it, the simulator putting
 * events into it under random partition keys, and the same consumer and
 * server as `run`. It signs with dummy credentials, as emulators accept.
 */
export async function demo(config: Config, logger: Logger, io: Io): Promise<number> {
  let embedded: LocalKinesis | undefined;
  let endpoint = config.demoKinesisEndpoint;
  if (endpoint === undefined) {
    embedded = await startLocalKinesis();
    endpoint = embedded.endpoint;
  }
  const options = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const producer = createKinesisClient({ ...options, maxAttempts: 3 });
  let stream: 'created' | 'existed';
  try {
    stream = await ensureStream(producer, DEMO_STREAM, config.demoShards);
  } catch (err) {
    producer.destroy();
    await embedded?.close();
    throw err;
  }
  logger.info(
    { endpoint, stream: DEMO_STREAM, existed: stream === 'existed' },
    'demo stream ready',
  );
  const simulator = new TaskSimulator({
    tasksPerSecond: config.demoTasksPerSecond,
    emit: (events) =>
      putEvents(producer, DEMO_STREAM, events).catch((err: unknown) => {
        logger.warn({ err }, 'simulator could not put events');
      }),
  });
  simulator.start();
  const exporter = await startExporter(
    config,
    logger,
    createKinesisClient(options),
    DEMO_STREAM,
    { type: 'TRIM_HORIZON' },
    () => new MemoryCheckpointStore(),
  );
  io.stdout.write(
    `Serving simulated ECS task metrics at ${exporter.server.url}/metrics (${embedded === undefined ? '' : 'local '}Kinesis stream ${DEMO_STREAM} at ${endpoint}; Ctrl-C to stop)\n`,
  );
  await signalled(logger);
  return shutdown(logger, async () => {
    await simulator.stop();
    await exporter.stop();
    producer.destroy();
    await embedded?.close();
  });
}
