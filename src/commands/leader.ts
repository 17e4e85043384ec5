/**
 * The leader's side of `run --lease-table`: under the lease it holds, it
 * restores the shared state, reads the source, saves (its pointer moves
 * only while the lease is held) and renews the lease, telling the caller
 * when the lease is lost.
 */
import type { Logger } from 'pino';
import type { Check } from '../base/check.js';
import type { Config } from '../config.js';
import type { Counting } from '../counting.js';
import type { WebConfig } from '../http/web-config.js';
import { type DynamoLease, LeaseLost } from '../leases/lease.js';
import { EXPORTER_LEADER } from '../metrics/catalog.js';
import type { ExpositionFormat } from '../metrics/exposition.js';
import { fixedGauge } from '../metrics/plain-metrics.js';
import type { RecordSink } from '../sources/source.js';
import type { OpenedSource } from '../sources/source-factory.js';
import { DurableState } from '../state/durable-state.js';
import { registerStateMetrics } from '../state/state-metrics.js';
import type { StateStore } from '../state/state-store.js';
import { both, createReading } from './serve.js';

export interface LeaderOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly opened: OpenedSource;
  readonly retentionMs: number | undefined;
  /** A store whose pointer the lease keeps. */
  readonly store: StateStore;
  readonly lease: DynamoLease;
  /** The --web.config.file, read and checked. */
  readonly web: WebConfig | undefined;
}

/** What a leader serves and how it ends. */
export interface Leading {
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

/** Restores the state under the lease, starts reading and renewing. */
export async function lead(
  o: LeaderOptions,
  log: Logger,
  onLost: (reason: string) => void,
): Promise<Leading> {
  const { config, logger, lease, store } = o;
  const { counting, source } = createReading(config, logger, o.opened, o.retentionMs);
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
