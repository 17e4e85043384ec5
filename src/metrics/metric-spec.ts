/**
 * What a metric family is, as data: name, type, help, labels and buckets;
 * and what a label is: what it means, and whether its values are unbounded
 * (folded past the series cap) or come from a small set (kept, and bounded
 * by their own means). Pure: nothing here touches a registry. The labels of
 * ECS events are the kinds' to say (kinds/labels.ts); those of the
 * exporter's own metrics are here.
 */
type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
  /** `task` for what ECS did, `exporter` for the exporter itself, `process` for its process. */
  readonly group: 'task' | 'ecs' | 'exporter' | 'process';
}

/** The value every unbounded label takes past the cap on series. */
export const FOLDED = '_other_';

/** The value a bounded label takes past its known values and its first-come allowance. */
export const OTHER = 'other';

/** Values of a bounded label kept as they come, after its known values. */
export const FIRST_COME_VALUES = 32;

export interface LabelSpec {
  readonly doc: string;
  /**
   * `unbounded`: values come from users' names (folded into `_other_` past
   * the series cap); `bounded`: values from a small AWS-defined set, kept
   * through folding; `closed`: values the exporter itself chooses.
   */
  readonly bound: 'unbounded' | 'bounded' | 'closed';
  /** For a bounded label: the values it keeps whatever else came first. */
  readonly known?: readonly string[];
  /**
   * Leads the label list of every family that has it, and is interned with
   * the other leading labels by the kinds (see `LabelValues` in the series store).
   */
  readonly leading?: true;
}
/** The labels of the exporter's own metrics. */
export const EXPORTER_LABELS: Readonly<Record<string, LabelSpec>> = {
  result: {
    bound: 'closed',
    doc: 'What became of a record: `processed`, `duplicate`, `invalid` or `ignored` (see the metrics contract).',
  },
  cause: {
    bound: 'closed',
    doc: 'Why tracked task state was dropped: `capacity` (the cap on tracked tasks forced it) or `retention` (the task had been STOPPED for longer than the retention, in event time).',
  },
  version: { bound: 'closed', doc: 'Version of the exporter.' },
  metric: {
    bound: 'closed',
    doc: 'Metric whose new series were folded, by its exposed name (`ecs_task_stopped_total`, …).',
  },
  shard_id: {
    bound: 'closed',
    doc: 'Kinesis shard id (`shardId-000000000003`); shards come and go with splits and merges.',
  },
  operation: {
    bound: 'closed',
    doc: 'Kinesis API call, or exporter step, that failed: `ListShards`, `GetShardIterator`, `GetRecords`, `onRecords`.',
  },
  code: {
    bound: 'closed',
    doc: 'Error code: the AWS error name (`ProvisionedThroughputExceededException`, `ExpiredIteratorException`, `ResourceNotFoundException`, `AccessDeniedException`, …), a network code (`ECONNREFUSED`, …) or `Unknown`.',
  },
  nodejs_version: { bound: 'closed', doc: 'Version of Node.js running the exporter.' },
};

/**
 * Spec constructors: name and labels first (what a reader scans a list of
 * specs for), the help text last. A counter's name ends in `_total`, which
 * prom-client does not add.
 */
function plain(type: 'counter' | 'gauge') {
  return (
    group: MetricSpec['group'],
    name: string,
    labelNames: readonly string[],
    help: string,
  ): MetricSpec => ({ name, type, group, help, labelNames });
}

export const counter = plain('counter');
export const gauge = plain('gauge');

/** A histogram's spec; `buckets` are upper bounds in the unit of its name (seconds). */
export function histogram(
  group: MetricSpec['group'],
  name: string,
  labelNames: readonly string[],
  buckets: readonly number[],
  help: string,
): MetricSpec {
  return { name, type: 'histogram', group, help, labelNames, buckets };
}
