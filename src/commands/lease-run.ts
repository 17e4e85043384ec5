/**
 * `run --lease-table`: active/standby. Every replica serves HTTP from the
 * start (standby-server.ts); one holds the lease (src/leases/lease.ts) and
 * leads (leader.ts): restores the shared state, reads the source and serves
 * the task metrics. The others are standbys: they watch the lease, serve
 * their self metrics with `ecs_events_exporter_leader 0`, and say in /readyz
 * whom they wait for.
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
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RunningServer } from '../http/server.js';
import { createDynamoClient } from '../leases/dynamodb-client.js';
import { DynamoLease } from '../leases/lease.js';
import { type LeaderOptions, lead } from './leader.js';
import { StartupCheckFailed, shutdown, signalled } from './serve.js';
import { type StandbyView, startStandbyServer } from './standby-server.js';

/** The lease in `table` (--lease-table) of the shared state at `key` (its location). */
export function createLease(
  config: Config,
  logger: Logger,
  table: string,
  key: string,
): DynamoLease {
  const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return new DynamoLease({
    logger: logger.child({ owner }),
    client: createDynamoClient(),
    table,
    key,
    owner,
    durationMs: config.leaseDurationMs,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWithLease(o: LeaderOptions): Promise<number> {
  const { config, logger, lease } = o;
  const log = logger.child({ lease: lease.description, owner: lease.owner });
  /** Polls of the lease by a standby: often enough to take a released lease at once. */
  const pollMs = Math.max(200, Math.min(1000, config.leaseDurationMs / 10));
  const view: StandbyView = {
    leading: undefined,
    waiting: { ok: true, reason: 'standby: lease not read yet' },
    tableProblem: undefined,
  };
  let server: RunningServer;
  try {
    server = await startStandbyServer(config, logger, o.web, view);
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
      view.tableProblem = undefined;
      if (result.acquired) {
        log.info(
          { leaseCounter: result.counter, previousOwner: result.from ?? null },
          'lease taken; reading the stream',
        );
        break;
      }
      const { holder, unchangedMs } = result;
      view.waiting = {
        ok: true,
        reason: `standby: the lease is held by ${holder.owner} (counter ${holder.counter}, unchanged for ${Math.round(unchangedMs / 1000)} s on this replica's clock); taken over when not renewed for ${config.leaseDurationMs / 1000} s, or at once when released; /metrics shows this replica's self metrics only`,
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (view.tableProblem?.reason !== reason) log.error({ reason }, 'cannot read the lease');
      view.tableProblem = { reason, sinceMs: view.tableProblem?.sinceMs ?? performance.now() };
      view.waiting = { ok: false, reason: `standby cannot read the lease: ${reason}` };
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
    view.leading = await lead(o, log, (reason) => lost?.(reason));
  } catch (err) {
    log.error(
      { reason: (err as Error).message },
      'cannot start reading as leader; releasing the lease',
    );
    await lease.release().catch(() => undefined);
    await server.close();
    return err instanceof StartupCheckFailed ? 2 : 1;
  }
  const active = view.leading;
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
