/**
 * The options of the Kinesis source: which stream, where to start, how to
 * read. The configuration schema lists them among the others (config.ts);
 * the Kinesis factory (kinesis-factory.ts) is their one reader.
 */
import type { Command } from '../../base/command-names.js';
import {
  checked,
  httpUrl,
  nonEmpty,
  type OptionSpec,
  parseDuration,
  positiveDuration,
  positiveInteger,
} from '../../base/option-spec.js';
import { parseStartPosition, type StartPosition } from './start-position.js';

/** The configuration fields of the Kinesis source. */
export interface KinesisConfig {
  stream: string | undefined;
  startPosition: StartPosition;
  shardListIntervalMs: number;
  idleDelayMs: number;
  stallTimeoutMs: number;
  maxRecordsPerCall: number;
  kinesisEndpoint: string | undefined;
}

/** Commands that read a Kinesis stream (`demo` reads its own). */
const READING: readonly Command[] = ['run', 'demo'];

export const STREAM_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'stream',
  flag: '--stream',
  env: 'ECS_EXPORTER_STREAM',
  value: 'NAME|ARN',
  description: 'Kinesis Data Stream that the EventBridge rule writes to, by name or ARN.',
  commands: ['run'],
  default: undefined,
  requiredFor: ['run'],
  parse: (text) => nonEmpty(text).trim(),
};

export const START_POSITION_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'startPosition',
  flag: '--start-position',
  env: 'ECS_EXPORTER_START_POSITION',
  value: 'TRIM_HORIZON|LATEST|AT_TIMESTAMP=<ISO-8601>',
  description:
    'Where to start reading a shard that has no saved position: the oldest record kept, new records only, or records from a time on.',
  commands: ['run'],
  default: 'LATEST',
  parse: parseStartPosition,
};

export const SHARD_LIST_INTERVAL_MS_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'shardListIntervalMs',
  flag: '--shard-list-interval',
  env: 'ECS_EXPORTER_SHARD_LIST_INTERVAL',
  value: 'DURATION',
  description: 'How often the shards are listed again to find those created by splits and merges.',
  commands: READING,
  default: '1m',
  parse: positiveDuration,
};

export const IDLE_DELAY_MS_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'idleDelayMs',
  flag: '--idle-delay',
  env: 'ECS_EXPORTER_IDLE_DELAY',
  value: 'DURATION',
  description:
    'Wait before reading a shard again once it is caught up. Reads of one shard are at least 200 ms apart in any case (5 per second, the Kinesis limit).',
  commands: READING,
  default: '1s',
  parse: parseDuration,
};

export const STALL_TIMEOUT_MS_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'stallTimeoutMs',
  flag: '--stall-timeout',
  env: 'ECS_EXPORTER_STALL_TIMEOUT',
  value: 'DURATION',
  description:
    '/healthz fails when no shard reader has made progress (a successful read, even empty) for this long.',
  commands: READING,
  default: '2m',
  parse: positiveDuration,
};

export const MAX_RECORDS_PER_CALL_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'maxRecordsPerCall',
  flag: '--max-records-per-call',
  env: 'ECS_EXPORTER_MAX_RECORDS_PER_CALL',
  value: 'N',
  description: 'Limit of each GetRecords call (at most 10000).',
  commands: READING,
  default: '1000',
  parse: checked(positiveInteger, (n) => n <= 10_000, 'is above 10000, the Kinesis maximum'),
};

export const KINESIS_ENDPOINT_OPTION: OptionSpec<keyof KinesisConfig> = {
  key: 'kinesisEndpoint',
  flag: '--kinesis-endpoint',
  env: 'ECS_EXPORTER_KINESIS_ENDPOINT',
  // Only the demo had it: a `run` must not pick up an emulator left in the environment.
  envAliases: { demo: ['ECS_EXPORTER_DEMO_KINESIS_ENDPOINT'] },
  value: 'URL',
  description:
    "`run`: the Kinesis endpoint, instead of the SDK's (AWS_ENDPOINT_URL_KINESIS, else the region's). `demo`: a running Kinesis-API server (kinesalite, kinesis-mock) for the demo stream, created there if missing; without it the demo starts an embedded one on 127.0.0.1, which needs the development dependencies.",
  commands: ['run', 'demo'],
  default: undefined,
  parse: httpUrl,
};
