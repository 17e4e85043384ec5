/**
 * `demo`: a Kinesis-API server (`--kinesis-endpoint`, else an in-process one
 * on 127.0.0.1), a stream of `--shards` shards on it, the simulator putting
 * events into it under random partition keys, and the same consumer and
 * server as `run`. It signs with dummy credentials, as emulators accept.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createCounting } from '../counting.js';
import type { WebConfig } from '../http/web-config.js';
import { liveMetrics } from '../metrics/process-metrics.js';
import {
  ensureStream,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalKinesis,
  LocalKinesisUnavailable,
  putEvents,
  startLocalKinesis,
} from '../simulator/local-kinesis.js';
import { TaskSimulator } from '../simulator/simulator.js';
import { createKinesisClient } from '../sources/kinesis/kinesis-client.js';
import { createKinesisSource } from '../sources/kinesis/kinesis-factory.js';
import type { Io } from './io.js';
import { readWebConfig, StartupCheckFailed, shutdown, signalled, startExporter } from './serve.js';

export const DEMO_STREAM = 'ecs-task-events';

export async function demo(config: Config, logger: Logger, io: Io): Promise<number> {
  let web: WebConfig | undefined;
  try {
    web = readWebConfig(config, logger);
  } catch (err) {
    logger.error(`cannot start: ${(err as Error).message}`);
    return 2;
  }
  let embedded: LocalKinesis | undefined;
  let endpoint = config.kinesisEndpoint;
  if (endpoint === undefined) {
    try {
      embedded = await startLocalKinesis();
    } catch (err) {
      if (!(err instanceof LocalKinesisUnavailable)) throw err;
      io.stderr.write(`ecs-events-exporter demo: ${err.message}\n`);
      return 1;
    }
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
  const counting = createCounting(config, logger, liveMetrics());
  const source = createKinesisSource(
    config,
    logger,
    {
      client: createKinesisClient(options),
      stream: DEMO_STREAM,
      startPosition: { type: 'TRIM_HORIZON' },
    },
    counting.registry,
  );
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  try {
    exporter = await startExporter(config, logger, counting, source, undefined, web);
  } catch (err) {
    logger.error(`cannot start: ${(err as Error).message}`);
    await simulator.stop();
    producer.destroy();
    await embedded?.close();
    return err instanceof StartupCheckFailed ? 2 : 1;
  }
  io.stdout.write(
    `Serving simulated ECS events: recent failures at ${exporter.server.url}/ and metrics at ${exporter.server.url}/metrics (${embedded === undefined ? '' : 'local '}Kinesis stream ${DEMO_STREAM} at ${endpoint}; Ctrl-C to stop)\n`,
  );
  await signalled(logger);
  return shutdown(logger, async () => {
    await simulator.stop();
    await exporter.stop();
    producer.destroy();
    await embedded?.close();
  });
}
