/**
 * `ecs_events_last_event_timestamp_seconds`: the newest event time seen per
 * account and region, over every kind the exporter reads. The gauge's own
 * value is the state (a maximum, the same in any order), saved with the
 * series store. A silent account or region shows as an old value beside
 * fresh ones.
 */
import { gauge, type MetricSpec } from '../metrics/metric-spec.js';
import { type LabelValues, labelValues, type SeriesStore } from '../metrics/series-store.js';
import { eventTimeMs } from './ecs-event.js';
import { boundLabelValue, stringField } from './label-values.js';

export const LAST_EVENT_TIMESTAMP = 'ecs_events_last_event_timestamp_seconds';

export const FRESHNESS_METRICS: readonly MetricSpec[] = [
  gauge(
    'ecs',
    LAST_EVENT_TIMESTAMP,
    ['aws_account_id', 'aws_region'],
    'The newest event time seen from each account and region, over every ECS event the exporter counts (duplicates included), in seconds since the epoch.',
  ),
];

/** Most account and region pairs whose labels are kept interned; past it the cache starts over. */
const INTERN_LIMIT = 10_000;

/** Records the time of each event a kind accepted. */
export function createFreshness(store: SeriesStore): (event: Record<string, unknown>) => void {
  const family = store.family(LAST_EVENT_TIMESTAMP);
  let interned = new Map<string, LabelValues>();
  return (event) => {
    const ms = eventTimeMs(event);
    if (!Number.isFinite(ms)) return;
    const account = stringField(event.account);
    const region = stringField(event.region);
    const key = `${account}\u0000${region}`;
    let labels = interned.get(key);
    if (labels === undefined) {
      if (interned.size >= INTERN_LIMIT) interned = new Map();
      labels = labelValues([boundLabelValue(account), boundLabelValue(region)]);
      interned.set(key, labels);
    }
    store.raise(family, labels, [], ms / 1000);
  };
}
