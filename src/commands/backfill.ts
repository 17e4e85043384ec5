/**
 * `backfill FILE|DIR|- --output FILE`: history on day one. Reads archived
 * events in their order, as replay does, and writes every metric as it stood
 * at each multiple of `--step` in event time: the value at instant T counts
 * the records read before the first one whose event time is T or later.
 * Archives are written in about the order of event time; an event older than
 * an instant already written is counted at the next instant (the summary
 * says how many), so counters never go back. An event dated before ECS
 * existed, or later than an hour after the backfill started, cannot be in
 * an archive: its time is wrong, and following it would write an instant
 * per step up to it (one event stamped 2099, or 1970 at the start, made
 * decades of instants). It is counted at the next instant like a late one,
 * without moving the clock, and the summary says how many. Memory is the
 * counting state plus one instant's values, whatever the length of the
 * history.
 */
import { createCounting } from '../counting.js';
import { decodeRecord } from '../kinds/envelope.js';
import { parseTime } from '../kinds/parse-time.js';
import { EXPORTER_EVENT_DELIVERY_LAG } from '../metrics/catalog.js';
import { OpenMetricsHistory } from '../metrics/openmetrics-history.js';
import { type InputReport, readInputs } from '../sources/file/file-source.js';
import { inputFailure, overInputs } from './inputs.js';
import { replaySummary } from './replay-summary.js';

/** How far past the start of a backfill an event time may be (clocks differ by minutes, not hours). */
const FUTURE_SLACK_MS = 3_600_000;
/** No ECS event is older than ECS: its general availability, 2014-11-13. */
const ECS_EPOCH_MS = Date.UTC(2014, 10, 13);

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export const backfill = overInputs(async (inputs, config, path, logger, io) => {
  const output = config.backfillOutput as string;
  const step = config.backfillStepMs;
  let history: OpenMetricsHistory;
  try {
    history = await OpenMetricsHistory.create(output);
  } catch (err) {
    io.stderr.write(`ecs-events-exporter: cannot write ${output}: ${(err as Error).message}\n`);
    return 2;
  }
  const counting = createCounting(config, logger, undefined);
  const values = async () =>
    (await counting.registry.getMetricsAsJSON()).filter(
      (m) => m.name !== EXPORTER_EVENT_DELIVERY_LAG,
    );
  const reports: InputReport[] = [];
  const started = Date.now();
  const latest = started + FUTURE_SLACK_MS;
  let first: number | undefined;
  let next: number | undefined;
  let late = 0;
  let impossible = 0;
  try {
    for await (const batch of readInputs(inputs, reports)) {
      for (const record of batch.records) {
        const envelope = decodeRecord(record);
        const time = envelope.ok ? envelope.event.time : undefined;
        const ms = typeof time === 'string' ? parseTime(time) : Number.NaN;
        if (ms > latest || ms < ECS_EPOCH_MS) {
          impossible++;
        } else if (Number.isFinite(ms)) {
          if (next === undefined) {
            next = Math.floor(ms / step) * step + step;
            first = next;
          } else if (ms >= next) {
            // The instants this event passes are written before it is counted.
            const now = await values();
            for (; next <= ms; next += step) await history.write(now, next);
          } else if (ms < next - step) {
            late++;
          }
        }
        counting.pipeline.handle({ type: 'decoded', envelope, data: record });
      }
      for (const _ of batch.oversized) counting.pipeline.handle({ type: 'oversized' });
    }
    if (next !== undefined) await history.write(await values(), next);
  } catch (err) {
    await history.abort();
    return inputFailure(err, io);
  }
  const size = await history.finish();
  const seconds = (Date.now() - started) / 1000;
  const records = counting.self.counts.records;
  const total = Object.values(records).reduce((n, v) => n + v, 0);
  const range =
    first === undefined || next === undefined
      ? 'no event time seen'
      : `${new Date(first).toISOString()} to ${new Date(next).toISOString()}`;
  const extra =
    `; wrote ${output}: ${size.instants} instants every ${step / 1000}s from ${range}, ` +
    `${size.samples} samples, ${formatBytes(size.bytes)} (${size.bytes} bytes)` +
    `; ${late} events older than an instant already written` +
    `; ${impossible} events dated before ECS existed or after the backfill started (counted at the next instant)` +
    '; ' +
    `${Math.round(total / Math.max(seconds, 0.001))} records/s`;
  io.stderr.write(replaySummary('backfill', path, reports, records, extra));
  return 0;
});
