/**
 * The HTTP side of `run --lease-table`: every replica serves from the start.
 * A standby serves its process metrics with `ecs_events_exporter_leader 0`
 * and says in /readyz whom it waits for; once the replica leads, the same
 * server serves what the leader counts.
 */
import type { Logger } from 'pino';
import type { Check } from '../base/check.js';
import type { Config } from '../config.js';
import { type RunningServer, startServer } from '../http/server.js';
import type { WebConfig } from '../http/web-config.js';
import { failurePage } from '../kinds/recent-failures.js';
import { EVENT_KINDS } from '../kinds/registry.js';
import { EXPORTER_LEADER } from '../metrics/catalog.js';
import { renderExposition } from '../metrics/exposition.js';
import { MetricRegistry } from '../metrics/metric-registry.js';
import { fixedGauge } from '../metrics/plain-metrics.js';
import { liveMetrics } from '../metrics/process-metrics.js';
import { registerLiveMetrics } from '../metrics/self-metrics.js';
import { SeriesStore } from '../metrics/series-store.js';
import type { Leading } from './leader.js';

/** What the server shows, as the lease loop updates it. */
export interface StandbyView {
  /** Set once this replica leads. */
  leading: Leading | undefined;
  /** The readiness of a standby: whom it waits for, or why it cannot read the lease. */
  waiting: Check;
  /** Since when (performance.now) the lease could not be read, and why. */
  tableProblem: { reason: string; sinceMs: number } | undefined;
}

/** A standby counts nothing: its exposition has no series of the store. */
const NO_SERIES = new SeriesStore([], { labels: {}, maxSeriesPerMetric: 1, folded: () => {} });

/** The self metrics a standby serves: its process, its build, and leader 0. */
function standbyRegistry(): MetricRegistry {
  const registry = new MetricRegistry();
  registerLiveMetrics(registry, liveMetrics());
  fixedGauge(registry, EXPORTER_LEADER, {}, 0);
  return registry;
}

/** Serves `view`: the leader's counting once it leads, a standby's self metrics before. */
export function startStandbyServer(
  config: Config,
  logger: Logger,
  web: WebConfig | undefined,
  view: StandbyView,
): Promise<RunningServer> {
  const standby = standbyRegistry();
  return startServer(
    {
      render: (format, onChunk, keepChunks) =>
        view.leading !== undefined
          ? view.leading.render(format, onChunk, keepChunks)
          : renderExposition(standby, NO_SERIES, format, { onChunk, keepChunks }),
      // A standby's exposition is its process metrics and leader 0.
      shownVersion: () => view.leading?.shownVersion() ?? 'standby',
      health: () => {
        if (view.leading !== undefined) return view.leading.health();
        // A standby that cannot read the lease for a minute cannot take over: restart it.
        if (
          view.tableProblem !== undefined &&
          performance.now() - view.tableProblem.sinceMs > 60_000
        ) {
          return {
            ok: false,
            reason: `standby cannot read the lease: ${view.tableProblem.reason}`,
          };
        }
        return { ok: true, reason: 'standby' };
      },
      readiness: () => view.leading?.readiness() ?? view.waiting,
      // A standby has counted nothing: its lists are empty until it leads.
      recentFailures: () => view.leading?.failurePage() ?? failurePage(EVENT_KINDS, undefined),
    },
    config.listenAddress,
    logger,
    web,
  );
}
