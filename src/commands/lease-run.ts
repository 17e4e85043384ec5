/**
 * `run --lease-table`: active/standby. Every replica serves HTTP from the
 * start; one holds the lease (src/leases/lease.ts), restores the state from
 * S3, reads the stream and serves the task metrics. The others are standbys:
 * they watch the lease, serve their self metrics with
 * `ecs_events_exporter_leader 0`, and say in /readyz whom they wait for.
 *
 * Lifecycle of a replica:
 *
 *   standby ──lease taken──► leader ──SIGTERM──► final save, lease released, exit 0
 *      ▲                       │
 *      └── (restarted by the   └──lease lost (another replica took it, or no renewal
 *           orchestrator)          confirmed within the lease duration)──► exit 1
 *
 * A leader that lost its lease exits instead of turning standby: its counting
 * state is behind the new leader's, and a fresh process restores the state
 * the new leader saves. Its saves could not land anyway: the state pointer
 * moves only under the lease counter held.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Counting } from '../counting.js';
import { type RunningServer, startServer } from '../http/server.js';
import type { WebConfig } from '../http/web-config.js';
import { failurePage } from '../kinds/recent-failures.js';
import { EVENT_KINDS } from '../kinds/registry.js';
import { createDynamoClient } from '../leases/dynamodb-client.js';
import { DynamoLease, LeaseLost } from '../leases/lease.js';
import { EXPORTER_LEADER } from '../metrics/catalog.js';
import { type ExpositionFormat, renderExposition } from '../metrics/exposition.js';
import { MetricRegistry } from '../metrics/metric-registry.js';
import { fixedGauge } from '../metrics/plain-metrics.js';
import { liveMetrics } from '../metrics/process-metrics.js';
import { registerLiveMetrics } from '../metrics/self-metrics.js';
import { SeriesStore } from '../metrics/series-store.js';
import type { Check, RecordSink } from '../sources/source.js';
import { DurableState } from '../state/durable-state.js';
import type { S3StateStore } from '../state/s3-state-store.js';
import { registerStateMetrics } from '../state/state-metrics.js';
import { both, createKinesisReading, StartupCheckFailed, shutdown, signalled } from './serve.js';

/** The lease of the state at --state-url, when --lease-table is given. */
export function createLease(config: Config, logger: Logger): DynamoLease | undefined {
  if (config.leaseTable === undefined || config.stateUrl === undefined) return undefined;
  const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return new DynamoLease({
    logger: logger.child({ owner }),
    client: createDynamoClient(),
    table: config.leaseTable,
    key: config.stateUrl.url,
    owner,
    durationMs: config.leaseDurationMs,
  });
}

export interface LeaseRunOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly client: KinesisClient;
  readonly retentionMs: number;
  readonly store: S3StateStore;
  readonly lease: DynamoLease;
  /** The --web.config.file, read and checked. */
  readonly web: WebConfig | undefined;
}

interface Leading {
  readonly registry: MetricRegistry;
  render(
    format: ExpositionFormat,
    onChunk: (chunk: Buffer) => void,
    keepChunks: boolean,
  ): Promise<readonly Buffer[]>;
  shownVersion(): string;
  readonly health: () => Check;
  readonly readiness: () => Check;
  readonly failurePage: Counting['failurePage'];
  stop(): Promise<void>;
  abandon(): Promise<void>;
}

/** A standby counts nothing: its exposition has no series of the store. */
const NO_SERIES = new SeriesStore([], { maxSeriesPerMetric: 1, folded: () => {} });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The self metrics a standby serves: its process, its build, and leader 0. */
function standbyRegistry(): MetricRegistry {
  const registry = new MetricRegistry();
  registerLiveMetrics(registry, liveMetrics());
  fixedGauge(registry, EXPORTER_LEADER, {}, 0);
  return registry;
}

export async function runWithLease(o: LeaseRunOptions): Promise<number> {
  const { config, logger, lease } = o;
  const log = logger.child({ lease: lease.description, owner: lease.owner });
  const standby = standbyRegistry();
  /** Polls of the lease by a standby: often enough to take a released lease at once. */
  const pollMs = Math.max(200, Math.min(1000, config.leaseDurationMs / 10));
  let leading: Leading | undefined;
  let waiting: Check = { ok: true, reason: 'standby: lease not read yet' };
  let tableProblem: { reason: string; sinceMs: number } | undefined;

  let server: RunningServer;
  try {
    server = await startServer(
      {
        render: (format, onChunk, keepChunks) =>
          leading !== undefined
            ? leading.render(format, onChunk, keepChunks)
            : renderExposition(standby, NO_SERIES, format, { onChunk, keepChunks }),
        // A standby's exposition is its process metrics and leader 0.
        shownVersion: () => leading?.shownVersion() ?? 'standby',
        health: () => {
          if (leading !== undefined) return leading.health();
          // A standby that cannot read the lease for a minute cannot take over: restart it.
          if (tableProblem !== undefined && performance.now() - tableProblem.sinceMs > 60_000) {
            return { ok: false, reason: `standby cannot read the lease: ${tableProblem.reason}` };
          }
          return { ok: true, reason: 'standby' };
        },
        readiness: () => leading?.readiness() ?? waiting,
        // A standby has counted nothing: its lists are empty until it leads.
        recentFailures: () => leading?.failurePage() ?? failurePage(EVENT_KINDS, undefined),
      },
      config.listenAddress,
      logger,
      o.web,
    );
  } catch (err) {
    log.error(`cannot start: cannot listen: ${(err as Error).message}`);
    return 2;
  }
  log.info({ url: server.url, state: o.store.description }, 'exporter started as standby');

  let stopRequested = false;
  let lost: ((reason: string) => void) | undefined;
  const stopSignal = signalled(logger).then(() => {
    stopRequested = true;
  });

  // Standby: poll until the lease is ours or a signal comes.
  while (!stopRequested) {
    try {
      const result = await lease.tryAcquire();
      tableProblem = undefined;
      if (result.acquired) {
        log.info(
          { leaseCounter: result.counter, previousOwner: result.from ?? null },
          'lease taken; reading the stream',
        );
        break;
      }
      const { holder, unchangedMs } = result;
      waiting = {
        ok: true,
        reason: `standby: the lease is held by ${holder.owner} (counter ${holder.counter}, unchanged for ${Math.round(unchangedMs / 1000)} s on this replica's clock); taken over when not renewed for ${config.leaseDurationMs / 1000} s, or at once when released; /metrics shows this replica's self metrics only`,
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (tableProblem?.reason !== reason) log.error({ reason }, 'cannot read the lease');
      tableProblem = { reason, sinceMs: tableProblem?.sinceMs ?? performance.now() };
      waiting = { ok: false, reason: `standby cannot read the lease: ${reason}` };
    }
    await Promise.race([sleep(pollMs), stopSignal]);
  }
  if (stopRequested) {
    return shutdown(logger, () => server.close());
  }

  const lostPromise = new Promise<string>((resolve) => {
    lost = resolve;
  });
  try {
    leading = await lead(o, log, (reason) => lost?.(reason));
  } catch (err) {
    log.error(
      { reason: (err as Error).message },
      'cannot start reading as leader; releasing the lease',
    );
    await lease.release().catch(() => undefined);
    await server.close();
    return err instanceof StartupCheckFailed ? 2 : 1;
  }
  const active = leading;
  const outcome = await Promise.race([
    stopSignal.then(() => ({ lost: undefined })),
    lostPromise.then((reason) => ({ lost: reason })),
  ]);
  if (outcome.lost !== undefined) {
    log.error(
      { reason: outcome.lost },
      'lease lost; stopping without saving, to restart as a standby',
    );
    await Promise.race([active.abandon(), sleep(2000)]);
    await Promise.race([server.close(), sleep(500)]);
    return 1;
  }
  return shutdown(logger, async () => {
    try {
      await active.stop();
    } finally {
      await server.close();
    }
  });
}

/** Restores the state under the lease, starts reading and renewing. */
async function lead(
  o: LeaseRunOptions,
  log: Logger,
  onLost: (reason: string) => void,
): Promise<Leading> {
  const { config, logger, lease, store } = o;
  const { counting, source } = createKinesisReading(config, logger, o.client, o.retentionMs);
  fixedGauge(counting.registry, EXPORTER_LEADER, {}, 1);
  const durable = new DurableState({
    store,
    counting,
    source,
    intervalMs: config.checkpointIntervalMs,
    logger,
  });
  registerStateMetrics(counting.registry, () => durable.status);
  const position = await durable.restore();
  let first = true;
  const sink: RecordSink = {
    records: (batch) => {
      if (first && batch.length > 0) {
        first = false;
        log.info(
          { leaseCounter: lease.counter, records: batch.length },
          'first records counted as leader',
        );
      }
      counting.sink.records(batch);
    },
    oversized: () => counting.sink.oversized(),
  };
  await source.start(sink, position);
  durable.start();

  let stopped = false;
  const renewEveryMs = config.leaseDurationMs / 3;
  let timer: NodeJS.Timeout | undefined;
  const renew = () => {
    timer = setTimeout(async () => {
      if (stopped) return;
      try {
        await lease.renew();
      } catch (err) {
        if (err instanceof LeaseLost) {
          stopped = true;
          onLost(err.message);
          return;
        }
        log.warn({ reason: (err as Error).message }, 'renewing the lease failed; retrying');
      }
      // No write confirmed within the lease duration: a standby may hold it now.
      if (!lease.holds()) {
        stopped = true;
        onLost(
          `no renewal confirmed for ${Math.round(lease.sinceConfirmedMs() / 1000)} s (lease duration ${config.leaseDurationMs / 1000} s)`,
        );
        return;
      }
      if (!stopped) renew();
    }, renewEveryMs);
  };
  renew();

  const leaderCheck = (): Check => ({
    ok: true,
    reason: `leader: holds the lease under counter ${lease.counter}`,
  });
  return {
    registry: counting.registry,
    render: (format, onChunk, keepChunks) => counting.render(format, onChunk, keepChunks),
    shownVersion: () => `leader ${counting.shownVersion()}`,
    failurePage: () => counting.failurePage(),
    health: () => both(source.health(), durable.health()),
    readiness: () => both(leaderCheck(), both(source.readiness(), durable.readiness())),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      try {
        await source.stop();
        await durable.stop();
      } finally {
        await lease.release().then(
          () => log.info('lease released'),
          (err: unknown) =>
            log.warn({ reason: (err as Error).message }, 'releasing the lease failed'),
        );
      }
    },
    async abandon() {
      stopped = true;
      clearTimeout(timer);
      durable.abandon();
      await source.stop();
    },
  };
}
