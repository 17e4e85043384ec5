/**
 * The task metrics, kept as plain counts per label set and rendered through
 * the registry at scrape time. Recording a fact is a Map lookup and an
 * increment: no label hashing or validation per event, which is what the
 * replay throughput depends on. Durations are kept in whole milliseconds,
 * so histogram sums are exact and the same in any order of observation.
 */
import type { Registry } from 'prom-client';
import type { TaskLabels } from '../events/task-event.js';
import type { TaskFactSink } from '../tasks/task-tracker.js';
import {
  metricSpec,
  TASK_IMAGE_PULL_DURATION,
  TASK_RUN_DURATION,
  TASK_STARTUP_DURATION,
  TASK_STATE_TRANSITIONS,
  TASK_STOPPED,
} from './catalog.js';

class HistogramData {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts: number[];
  count = 0;
  sumMs = 0;

  constructor(buckets: number) {
    this.counts = new Array<number>(buckets + 1).fill(0);
  }

  observe(boundsMs: readonly number[], ms: number): void {
    let i = 0;
    while (i < boundsMs.length && ms > (boundsMs[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sumMs += ms;
  }
}

/** Everything recorded for one set of task labels. */
class LabelSetData {
  readonly transitions = new Map<string, number>();
  readonly stopped = new Map<string, { stopCode: string; reason: string; count: number }>();
  pull: HistogramData | undefined;
  startup: HistogramData | undefined;
  readonly run = new Map<string, HistogramData>();

  constructor(
    readonly key: string,
    readonly labels: TaskLabels,
  ) {}
}

interface SampleValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The shape the prom-client registry renders: what its own metric classes provide. */
interface CollectorMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: SampleValue[];
  }>;
  reset(): void;
}

const labelKey = (l: TaskLabels) =>
  JSON.stringify([l.ecs_cluster, l.ecs_service, l.family, l.launch_type]);

function boundsMs(name: string): readonly number[] {
  const buckets = metricSpec(name).buckets;
  if (buckets === undefined) throw new Error(`${name} has no buckets`);
  return buckets.map((b) => Math.round(b * 1000));
}

/** A histogram in a snapshot: non-cumulative bucket counts (+Inf last), count, sum in ms. */
type HistogramTuple = [counts: number[], count: number, sumMs: number];

/** One label set's values in a snapshot. */
export interface LabelSetSnapshot {
  readonly labels: [ecsCluster: string, ecsService: string, family: string, launchType: string];
  readonly transitions: [status: string, count: number][];
  readonly stopped: [stopCode: string, reason: string, count: number][];
  readonly pull: HistogramTuple | null;
  readonly startup: HistogramTuple | null;
  readonly run: [stopCode: string, histogram: HistogramTuple][];
}

const histogramTuple = (h: HistogramData): HistogramTuple => [[...h.counts], h.count, h.sumMs];

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function histogramFrom(data: unknown, buckets: number): HistogramData {
  const tuple = data as HistogramTuple;
  if (
    !Array.isArray(tuple) ||
    !Array.isArray(tuple[0]) ||
    tuple[0].length !== buckets + 1 ||
    !tuple[0].every(isCount) ||
    !isCount(tuple[1]) ||
    typeof tuple[2] !== 'number' ||
    !Number.isFinite(tuple[2]) ||
    tuple[2] < 0 ||
    tuple[0].reduce((sum, n) => sum + n, 0) !== tuple[1]
  ) {
    throw new Error('histogram state is malformed (or its buckets changed)');
  }
  const h = new HistogramData(buckets);
  tuple[0].forEach((n, i) => {
    h.counts[i] = n;
  });
  h.count = tuple[1];
  h.sumMs = tuple[2];
  return h;
}

function isStringArray(value: unknown, length: number): value is string[] {
  return (
    Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string')
  );
}

/** The task metrics whose series the cardinality guard counts. */
export const SERIES_METRICS = ['transitions', 'stopped', 'imagePull', 'startup', 'run'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/** The value every folded label takes, past the cap on series. */
export const FOLDED = '_other_';

const FOLDED_LABELS: TaskLabels = Object.freeze({
  ecs_cluster: FOLDED,
  ecs_service: FOLDED,
  family: FOLDED,
  launch_type: FOLDED,
});

export interface TaskMetricStoreOptions {
  /** Most series per task metric; past it, new series are folded into `_other_` labels. */
  readonly maxSeriesPerMetric: number;
  readonly forgotten: (cause: 'capacity' | 'retention') => void;
  readonly folded: (metric: SeriesMetric) => void;
}

export class TaskMetricStore implements TaskFactSink {
  #byLabels = new WeakMap<TaskLabels, LabelSetData>();
  #byKey = new Map<string, LabelSetData>();
  /** What scrapes show when set: the last saved values. */
  #published: Map<string, LabelSetData> | undefined;
  readonly #pullBounds = boundsMs(TASK_IMAGE_PULL_DURATION);
  readonly #startupBounds = boundsMs(TASK_STARTUP_DURATION);
  readonly #runBounds = boundsMs(TASK_RUN_DURATION);
  readonly #options: TaskMetricStoreOptions;
  /** Series per metric, folded ones not included. */
  #series: Record<SeriesMetric, number> = countSeries(new Map());

  constructor(options: TaskMetricStoreOptions) {
    if (!(options.maxSeriesPerMetric >= 1)) throw new RangeError('maxSeriesPerMetric must be >= 1');
    this.#options = options;
  }

  #find(labels: TaskLabels): LabelSetData | undefined {
    let data = this.#byLabels.get(labels);
    if (data === undefined) {
      data = this.#byKey.get(labelKey(labels));
      if (data !== undefined) this.#byLabels.set(labels, data);
    }
    return data;
  }

  #create(labels: TaskLabels): LabelSetData {
    const data = new LabelSetData(labelKey(labels), labels);
    this.#byKey.set(data.key, data);
    this.#byLabels.set(labels, data);
    return data;
  }

  /**
   * Where a fact of `metric` goes: its own label set when the series exists or
   * the cap allows one more, else the folded label set (and `folded` is true:
   * the caller folds its free-text labels too). Totals stay exact either way.
   */
  #target(
    metric: SeriesMetric,
    labels: TaskLabels,
    has: (data: LabelSetData) => boolean,
  ): { data: LabelSetData; folded: boolean } {
    const existing = this.#find(labels);
    if (existing !== undefined && has(existing)) return { data: existing, folded: false };
    if (this.#series[metric] < this.#options.maxSeriesPerMetric) {
      this.#series[metric]++;
      return { data: existing ?? this.#create(labels), folded: false };
    }
    this.#options.folded(metric);
    return { data: this.#find(FOLDED_LABELS) ?? this.#create(FOLDED_LABELS), folded: true };
  }

  transition(labels: TaskLabels, lastStatus: string): void {
    const { data, folded } = this.#target('transitions', labels, (d) =>
      d.transitions.has(lastStatus),
    );
    const status = folded ? FOLDED : lastStatus;
    data.transitions.set(status, (data.transitions.get(status) ?? 0) + 1);
  }

  stopped(labels: TaskLabels, stopCode: string, reason: string): void {
    const { data, folded } = this.#target('stopped', labels, (d) =>
      d.stopped.has(`${stopCode}\u0000${reason}`),
    );
    const code = folded ? FOLDED : stopCode;
    const key = `${code}\u0000${reason}`;
    const entry = data.stopped.get(key);
    if (entry === undefined) data.stopped.set(key, { stopCode: code, reason, count: 1 });
    else entry.count++;
  }

  imagePull(labels: TaskLabels, ms: number): void {
    const { data } = this.#target('imagePull', labels, (d) => d.pull !== undefined);
    data.pull ??= new HistogramData(this.#pullBounds.length);
    data.pull.observe(this.#pullBounds, ms);
  }

  startup(labels: TaskLabels, ms: number): void {
    const { data } = this.#target('startup', labels, (d) => d.startup !== undefined);
    data.startup ??= new HistogramData(this.#startupBounds.length);
    data.startup.observe(this.#startupBounds, ms);
  }

  run(labels: TaskLabels, stopCode: string, ms: number): void {
    const target = this.#target('run', labels, (d) => d.run.has(stopCode));
    const map = target.data.run;
    if (target.folded) stopCode = FOLDED;
    let histogram = map.get(stopCode);
    if (histogram === undefined) {
      histogram = new HistogramData(this.#runBounds.length);
      map.set(stopCode, histogram);
    }
    histogram.observe(this.#runBounds, ms);
  }

  forgotten(cause: 'capacity' | 'retention'): void {
    this.#options.forgotten(cause);
  }

  /** Every value as plain data (JSON-safe). */
  snapshot(): LabelSetSnapshot[] {
    return [...this.#byKey.values()].map((d) => ({
      labels: [d.labels.ecs_cluster, d.labels.ecs_service, d.labels.family, d.labels.launch_type],
      transitions: [...d.transitions],
      stopped: [...d.stopped.values()].map((e) => [e.stopCode, e.reason, e.count]),
      pull: d.pull ? histogramTuple(d.pull) : null,
      startup: d.startup ? histogramTuple(d.startup) : null,
      run: [...d.run].map(([code, h]) => [code, histogramTuple(h)]),
    }));
  }

  /**
   * Checks a snapshot and returns a function that replaces every value with
   * it. Throws, changing nothing, when the snapshot is malformed.
   */
  prepareRestore(data: unknown): () => void {
    const byKey = this.#build(data);
    return () => {
      this.#byKey = byKey;
      this.#byLabels = new WeakMap();
      this.#series = countSeries(byKey);
    };
  }

  /**
   * From now on, scrapes show `data` (a snapshot that was saved) rather than
   * the live values, until the next publish. With saved state, that is what
   * keeps a counter from going backwards after a crash: nothing is shown
   * before it is on disk.
   */
  publish(data: readonly LabelSetSnapshot[]): void {
    this.#published = this.#build(data);
  }

  #build(data: unknown): Map<string, LabelSetData> {
    if (!Array.isArray(data)) throw new Error('task metrics state is not an array');
    const byKey = new Map<string, LabelSetData>();
    for (const item of data as LabelSetSnapshot[]) {
      if (typeof item !== 'object' || item === null || !isStringArray(item.labels, 4)) {
        throw new Error('task metrics label set is malformed');
      }
      const [ecsCluster, ecsService, family, launchType] = item.labels;
      const labels: TaskLabels = Object.freeze({
        ecs_cluster: ecsCluster,
        ecs_service: ecsService,
        family,
        launch_type: launchType,
      });
      const key = labelKey(labels);
      if (byKey.has(key)) throw new Error('task metrics label set appears twice');
      const d = new LabelSetData(key, labels);
      if (
        !Array.isArray(item.transitions) ||
        !Array.isArray(item.stopped) ||
        !Array.isArray(item.run)
      ) {
        throw new Error('task metrics values are malformed');
      }
      for (const entry of item.transitions) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isCount(entry[1])) {
          throw new Error('transition count is malformed');
        }
        d.transitions.set(entry[0], entry[1]);
      }
      for (const entry of item.stopped) {
        if (!Array.isArray(entry) || !isStringArray(entry.slice(0, 2), 2) || !isCount(entry[2])) {
          throw new Error('stopped count is malformed');
        }
        d.stopped.set(`${entry[0]}\u0000${entry[1]}`, {
          stopCode: entry[0],
          reason: entry[1],
          count: entry[2],
        });
      }
      d.pull = item.pull === null ? undefined : histogramFrom(item.pull, this.#pullBounds.length);
      d.startup =
        item.startup === null ? undefined : histogramFrom(item.startup, this.#startupBounds.length);
      for (const entry of item.run) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
          throw new Error('run duration state is malformed');
        }
        d.run.set(entry[0], histogramFrom(entry[1], this.#runBounds.length));
      }
      byKey.set(key, d);
    }
    return byKey;
  }

  /** Label sets in a stable order, so the exposition does not depend on arrival order. */
  #sorted(): LabelSetData[] {
    return [...(this.#published ?? this.#byKey).values()].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
  }

  /** Registers the five task metrics on `registry`. */
  register(registry: Registry): void {
    const counter = (
      name: string,
      values: (data: LabelSetData) => Iterable<[Record<string, string>, number]>,
    ) =>
      this.#collector(name, 'counter', (out) => {
        for (const data of this.#sorted()) {
          const extra = [...values(data)].sort(([a], [b]) => compareLabels(a, b));
          for (const [labels, value] of extra)
            out.push({ labels: { ...data.labels, ...labels }, value });
        }
      });
    const histogram = (
      name: string,
      bounds: readonly number[],
      values: (data: LabelSetData) => Iterable<[Record<string, string>, HistogramData]>,
    ) =>
      this.#collector(name, 'histogram', (out) => {
        for (const data of this.#sorted()) {
          const extra = [...values(data)].sort(([a], [b]) => compareLabels(a, b));
          for (const [labels, h] of extra) {
            const base = { ...data.labels, ...labels };
            let cumulative = 0;
            for (let i = 0; i <= bounds.length; i++) {
              cumulative += h.counts[i] as number;
              const le = i < bounds.length ? (bounds[i] as number) / 1000 : '+Inf';
              out.push({
                metricName: `${name}_bucket`,
                labels: { ...base, le },
                value: cumulative,
              });
            }
            out.push({ metricName: `${name}_sum`, labels: base, value: h.sumMs / 1000 });
            out.push({ metricName: `${name}_count`, labels: base, value: h.count });
          }
        }
      });
    const metrics = [
      counter(TASK_STATE_TRANSITIONS, (d) =>
        [...d.transitions].map(([status, n]) => [{ last_status: status }, n]),
      ),
      counter(TASK_STOPPED, (d) =>
        [...d.stopped.values()].map((s) => [{ stop_code: s.stopCode, reason: s.reason }, s.count]),
      ),
      histogram(TASK_IMAGE_PULL_DURATION, this.#pullBounds, (d) => (d.pull ? [[{}, d.pull]] : [])),
      histogram(TASK_STARTUP_DURATION, this.#startupBounds, (d) =>
        d.startup ? [[{}, d.startup]] : [],
      ),
      histogram(TASK_RUN_DURATION, this.#runBounds, (d) =>
        [...d.run].map(([stopCode, h]) => [{ stop_code: stopCode }, h]),
      ),
    ];
    for (const metric of metrics) {
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    }
  }

  #collector(
    name: string,
    type: 'counter' | 'histogram',
    fill: (out: SampleValue[]) => void,
  ): CollectorMetric {
    const spec = metricSpec(name);
    if (spec.type !== type) throw new Error(`${name} is a ${spec.type}, not a ${type}`);
    return {
      name,
      help: spec.help,
      type,
      aggregator: 'sum',
      get: async () => {
        const values: SampleValue[] = [];
        fill(values);
        return { name, help: spec.help, type, aggregator: 'sum', values };
      },
      reset: () => {},
    };
  }
}

function countSeries(byKey: ReadonlyMap<string, LabelSetData>): Record<SeriesMetric, number> {
  const series = { transitions: 0, stopped: 0, imagePull: 0, startup: 0, run: 0 };
  const folded = labelKey(FOLDED_LABELS);
  for (const d of byKey.values()) {
    if (d.key === folded) continue;
    series.transitions += d.transitions.size;
    series.stopped += d.stopped.size;
    series.imagePull += d.pull === undefined ? 0 : 1;
    series.startup += d.startup === undefined ? 0 : 1;
    series.run += d.run.size;
  }
  return series;
}

function compareLabels(a: Record<string, string>, b: Record<string, string>): number {
  const ka = Object.values(a).join('\u0000');
  const kb = Object.values(b).join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
