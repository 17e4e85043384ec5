/**
 * The one reader of flags and environment. A single schema gives the parsed
 * configuration, `--help`, and docs/configuration.md. Every problem is
 * collected and reported at once. Flags win over environment variables.
 */

import { CONFIGURED_COMMANDS, type Command } from './base/command-names.js';
import {
  checked,
  nonEmpty,
  type OptionSpec,
  oneOf,
  parseDuration,
  positiveDuration,
  positiveInteger,
} from './base/option-spec.js';
import { DEFAULT_RECENT_FAILURES, MAX_RECENT_FAILURES } from './kinds/recent-failures.js';
import {
  IDLE_DELAY_MS_OPTION,
  KINESIS_ENDPOINT_OPTION,
  type KinesisConfig,
  MAX_RECORDS_PER_CALL_OPTION,
  SHARD_LIST_INTERVAL_MS_OPTION,
  STALL_TIMEOUT_MS_OPTION,
  START_POSITION_OPTION,
  STREAM_OPTION,
} from './sources/kinesis/kinesis-options.js';
import { parseS3Location, type S3Location } from './state/s3-location.js';

export type { Command };

export const DEFAULT_PORT = 9847;

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every option's value; each source's own fields come from its options module. */
export interface Config extends KinesisConfig {
  listenAddress: { host: string; port: number };
  webConfigFile: string | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  maxTrackedTasks: number;
  /** Undefined: the stream's retention, at least 24 h (`run`), or 24 h. */
  stoppedTaskRetentionMs: number | undefined;
  maxSeriesPerMetric: number;
  /** Event time a workload may stay idle before its series go; at least the stopped-task retention. */
  seriesIdleExpiryMs: number;
  recentFailures: number;
  stateDir: string | undefined;
  stateUrl: S3Location | undefined;
  leaseTable: string | undefined;
  leaseDurationMs: number;
  checkpointIntervalMs: number;
  demoTasksPerSecond: number;
  demoShards: number;
  backfillStepMs: number;
  backfillOutput: string | undefined;
}

export function parseListenAddress(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  if (colon === -1) throw new Error(`"${text}" is not HOST:PORT`);
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new Error(`"${portText}" is not a port (0-65535)`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

const ALL = CONFIGURED_COMMANDS;
const SERVING: readonly Command[] = ['run', 'demo'];

/** Every option, in the order of --help and docs/configuration.md. */
export const OPTIONS: readonly OptionSpec<keyof Config>[] = [
  {
    key: 'listenAddress',
    flag: '--web.listen-address',
    aliases: ['--listen-address'],
    env: 'ECS_EXPORTER_LISTEN_ADDRESS',
    value: 'HOST:PORT',
    description: `Address of the HTTP server (/metrics, /healthz, /readyz and the landing page /). \`:${DEFAULT_PORT}\` listens on every interface.`,
    commands: SERVING,
    default: `0.0.0.0:${DEFAULT_PORT}`,
    defaults: { demo: `127.0.0.1:${DEFAULT_PORT}` },
    parse: parseListenAddress,
  },
  {
    key: 'webConfigFile',
    flag: '--web.config.file',
    aliases: ['--web-config-file'],
    env: 'ECS_EXPORTER_WEB_CONFIG_FILE',
    value: 'FILE',
    description:
      "Web configuration in the format Prometheus exporters share (as node_exporter's `--web.config.file`): `tls_server_config` (`cert_file`, `key_file`, optionally `client_ca_file`, `client_auth_type`, `min_version`) serves HTTPS, `basic_auth_users` (user: bcrypt hash) requires basic auth on every path except /healthz and /readyz. Read at start; a file with unknown keys or errors stops the start (exit 2). Without it, plain HTTP and no authentication.",
    commands: SERVING,
    default: undefined,
    parse: nonEmpty,
  },
  {
    key: 'logLevel',
    flag: '--log.level',
    aliases: ['--log-level'],
    env: 'ECS_EXPORTER_LOG_LEVEL',
    value: LOG_LEVELS.join('|'),
    description: 'Least severe log level written to standard error.',
    commands: ALL,
    default: 'info',
    parse: oneOf(LOG_LEVELS),
  },
  {
    key: 'logFormat',
    flag: '--log.format',
    aliases: ['--log-format'],
    env: 'ECS_EXPORTER_LOG_FORMAT',
    value: 'json|pretty',
    description: 'JSON lines for log collectors, or human-readable lines for a terminal.',
    commands: ALL,
    default: 'json',
    parse: oneOf(['json', 'pretty'] as const),
  },
  {
    key: 'maxTrackedTasks',
    flag: '--max-tracked-tasks',
    env: 'ECS_EXPORTER_MAX_TRACKED_TASKS',
    value: 'N',
    description:
      'Most tasks whose state is kept for deduplication, and most events each other kind remembers for it. Past it, the oldest stopped tasks (the oldest events) are forgotten first, counted in ecs_events_exporter_task_state_evictions_total.',
    commands: ALL,
    default: '200000',
    parse: positiveInteger,
  },
  {
    key: 'stoppedTaskRetentionMs',
    flag: '--stopped-task-retention',
    env: 'ECS_EXPORTER_STOPPED_TASK_RETENTION',
    value: 'DURATION',
    description:
      "How long a STOPPED task is remembered, in event time, to recognise late duplicates. Default: the stream's retention (RetentionPeriodHours), never less than 24h; `replay` and `demo` keep 24h.",
    commands: ALL,
    default: undefined,
    parse: parseDuration,
  },
  {
    key: 'maxSeriesPerMetric',
    flag: '--max-series-per-metric',
    env: 'ECS_EXPORTER_MAX_SERIES_PER_METRIC',
    value: 'N',
    description:
      'Most series of each metric, a histogram series counting as one (its bucket lines are what a scrape costs: at the default, the task metrics come to about 170,000 sample lines). Series created at 0 and never incremented give way first; past it, new label sets are counted with their unbounded labels (ecs_cluster, ecs_service, family) as `_other_`; bounded labels (launch_type, last_status, stop_code, reason) keep their values, so totals and sums by them stay exact; counted in ecs_events_exporter_series_folded_total.',
    commands: ALL,
    default: '3000',
    parse: positiveInteger,
  },
  {
    key: 'seriesIdleExpiryMs',
    flag: '--series-idle-expiry',
    env: 'ECS_EXPORTER_SERIES_IDLE_EXPIRY',
    value: 'DURATION',
    description:
      'How long, in event time, a workload (account, region, cluster, service or daemon, task family) with no event and no task known to run keeps its series. Then they leave /metrics and the saved state and stop counting against --max-series-per-metric (ecs_events_exporter_series_expired_total); a workload that comes back starts again from 0. Never less than the stopped-task retention.',
    commands: ALL,
    default: '14d',
    parse: parseDuration,
  },
  {
    key: 'recentFailures',
    flag: '--recent-failures',
    env: 'ECS_EXPORTER_RECENT_FAILURES',
    value: 'N',
    description: `Most recent failed tasks, and most recent failed or rolled-back deployments, listed on the landing page and at /api/recent-failures (kept with the saved state); at most ${MAX_RECENT_FAILURES}.`,
    commands: ['run', 'demo'],
    default: String(DEFAULT_RECENT_FAILURES),
    parse: (text) => {
      const n = positiveInteger(text);
      if (n > MAX_RECENT_FAILURES) throw new Error(`${n} is more than ${MAX_RECENT_FAILURES}`);
      return n;
    },
  },
  STREAM_OPTION,
  {
    key: 'stateDir',
    flag: '--state-dir',
    env: 'ECS_EXPORTER_STATE_DIR',
    value: 'DIR',
    description:
      'Directory where the position in each shard and the counting state (metric values, tracked tasks) are saved together, so a restart continues the counters and resumes right after the positions. Without it, nothing is kept.',
    commands: ['run'],
    default: undefined,
    parse: (text) => text,
  },
  {
    key: 'stateUrl',
    flag: '--state-url',
    env: 'ECS_EXPORTER_STATE_URL',
    value: 's3://BUCKET/PREFIX',
    description:
      'Keeps what --state-dir keeps in S3 instead (standard AWS credential chain; endpoint from AWS_ENDPOINT_URL_S3): each save a new object under the prefix and a small pointer naming it, old objects removed but the last few. The bucket must be writable at start.',
    commands: ['run'],
    default: undefined,
    parse: parseS3Location,
  },
  {
    key: 'leaseTable',
    flag: '--lease-table',
    env: 'ECS_EXPORTER_LEASE_TABLE',
    value: 'NAME',
    description:
      'DynamoDB table (partition key `leaseKey`, a string) of the lease that lets two or more replicas run active/standby: the holder reads the stream, the others serve self metrics and take over when the lease is not renewed for --lease-duration, or at once when the holder shuts down. Needs --state-url; the state pointer is then kept in the lease item and moved only by the lease holder.',
    commands: ['run'],
    default: undefined,
    parse: checked(
      (text) => text,
      (text) => /^[A-Za-z0-9_.-]{3,255}$/.test(text),
      'is not a table name',
    ),
  },
  {
    key: 'leaseDurationMs',
    flag: '--lease-duration',
    env: 'ECS_EXPORTER_LEASE_DURATION',
    value: 'DURATION',
    description:
      'How long a standby waits, on its own clock, for the lease to be renewed before taking it over. The holder renews every third of it; every replica must use the same value.',
    commands: ['run'],
    default: '10s',
    parse: checked(parseDuration, (ms) => ms >= 1000, 'is shorter than 1s'),
  },
  START_POSITION_OPTION,
  SHARD_LIST_INTERVAL_MS_OPTION,
  IDLE_DELAY_MS_OPTION,
  {
    key: 'checkpointIntervalMs',
    flag: '--checkpoint-interval',
    env: 'ECS_EXPORTER_CHECKPOINT_INTERVAL',
    value: 'DURATION',
    description:
      'How often the positions and the counting state are saved under --state-dir or --state-url (and always at shutdown); scrapes show the values of the last save.',
    commands: ['run'],
    default: '5s',
    parse: positiveDuration,
  },
  STALL_TIMEOUT_MS_OPTION,
  MAX_RECORDS_PER_CALL_OPTION,
  {
    key: 'demoTasksPerSecond',
    flag: '--tasks-per-second',
    env: 'ECS_EXPORTER_DEMO_TASKS_PER_SECOND',
    value: 'N',
    description: 'How many simulated tasks the demo starts each second.',
    commands: ['demo'],
    default: '5',
    parse: positiveInteger,
  },
  {
    key: 'demoShards',
    flag: '--shards',
    env: 'ECS_EXPORTER_DEMO_SHARDS',
    value: 'N',
    description: 'How many shards the demo stream has.',
    commands: ['demo'],
    default: '4',
    parse: positiveInteger,
  },
  KINESIS_ENDPOINT_OPTION,
  {
    key: 'backfillStepMs',
    flag: '--step',
    env: 'ECS_EXPORTER_BACKFILL_STEP',
    value: 'DURATION',
    description:
      'Event time between two instants of the history: every metric is written as it stood at each multiple of this. Shorter steps give finer history and a larger file.',
    commands: ['backfill'],
    default: '1m',
    parse: checked(
      positiveDuration,
      (ms) => ms >= 1000 && ms % 1000 === 0,
      'must be whole seconds',
    ),
  },
  {
    key: 'backfillOutput',
    flag: '--output',
    env: 'ECS_EXPORTER_BACKFILL_OUTPUT',
    value: 'FILE',
    description:
      'Where the OpenMetrics text goes (the input of `promtool tsdb create-blocks-from openmetrics`). Its families are assembled in temporary files beside it.',
    commands: ['backfill'],
    default: undefined,
    requiredFor: ['backfill'],
    parse: nonEmpty,
  },
];

export type ConfigResult =
  | { ok: true; config: Config; positionals: string[]; help: boolean; deprecated: Deprecation[] }
  | { ok: false; problems: string[] };

/** A former flag name that was used: said once, in the log. */
export interface Deprecation {
  readonly flag: string;
  readonly use: string;
}

/** The default of `option` for `command`. */
export function defaultFor(option: OptionSpec, command: Command): string | undefined {
  return option.defaults?.[command] ?? option.default;
}

/** Reads the options of `command` from argv (after the command word) and the environment. */
export function loadConfig(
  command: Command,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  const problems: string[] = [];
  const raw = new Map<OptionSpec, { text: string; from: string }>();
  const positionals: string[] = [];
  const options = OPTIONS.filter((o) => o.commands.includes(command));
  const deprecated = new Map<string, Deprecation>();
  let help = false;
  for (const option of options) {
    for (const name of [option.env, ...(option.envAliases?.[command] ?? [])]) {
      const text = env[name];
      if (text !== undefined && text !== '') {
        raw.set(option, { text, from: name });
        break;
      }
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const option = options.find((o) => o.flag === name || o.aliases?.includes(name));
    if (option !== undefined && option.flag !== name) {
      deprecated.set(name, { flag: name, use: option.flag });
    }
    if (option === undefined) {
      problems.push(`${name}: unknown option for "${command}" (see --help)`);
      if (eq === -1 && i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) i++;
      continue;
    }
    let text: string | undefined;
    if (eq !== -1) text = arg.slice(eq + 1);
    else if (i + 1 < argv.length) text = argv[++i];
    if (text === undefined) {
      problems.push(`${name}: needs a value (${option.value})`);
      continue;
    }
    raw.set(option, { text, from: name });
  }
  const config: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const given = raw.get(option);
    const text = given?.text ?? defaultFor(option, command);
    if (text === undefined) {
      if (option.requiredFor?.includes(command) && !help) {
        problems.push(`${option.flag} (or ${option.env}) is required for "${command}"`);
      }
      config[option.key] = undefined;
      continue;
    }
    try {
      config[option.key] = option.parse(text);
    } catch (err) {
      problems.push(`${given?.from ?? option.flag}: ${(err as Error).message}`);
    }
  }
  const idle = raw.get(OPTIONS.find((o) => o.key === 'seriesIdleExpiryMs') as OptionSpec);
  const retention = config.stoppedTaskRetentionMs;
  if (
    idle !== undefined &&
    typeof retention === 'number' &&
    typeof config.seriesIdleExpiryMs === 'number' &&
    config.seriesIdleExpiryMs < retention
  ) {
    problems.push(
      `${idle.from}: ${idle.text} is less than the stopped-task retention; a workload's series must outlive its tasks' state`,
    );
  }
  if (config.stateDir !== undefined && config.stateUrl !== undefined) {
    problems.push('--state-dir and --state-url: choose one place for the state');
  }
  if (config.leaseTable !== undefined && config.stateUrl === undefined && !help) {
    problems.push('--lease-table needs --state-url (replicas share the state there)');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: config as unknown as Config,
    positionals,
    help,
    deprecated: [...deprecated.values()],
  };
}

/** `--help` text of one command, from the schema. */
export function helpText(command: Command, usage: string, summary: string): string {
  const lines = [`Usage: ecs-events-exporter ${usage}`, '', summary, '', 'Options:'];
  for (const option of OPTIONS.filter((o) => o.commands.includes(command))) {
    const value = defaultFor(option, command);
    const dflt = value === undefined ? '' : ` (default ${value})`;
    lines.push(`  ${option.flag} ${option.value}`);
    lines.push(`      ${describeFor(option, command)}${dflt}`);
    const required = option.requiredFor?.includes(command) ? '; required' : '';
    const former = option.envAliases?.[command];
    const also = former === undefined ? '' : ` (or ${former.join(', ')})`;
    const formerFlags =
      option.aliases === undefined ? '' : `; formerly ${option.aliases.join(', ')} (deprecated)`;
    lines.push(`      env ${option.env}${also}${required}${formerFlags}`);
  }
  lines.push('  -h, --help', '      Show this help.');
  return `${lines.join('\n')}\n`;
}

/**
 * The description as one command reads it: a description that speaks to
 * several commands in turn (`run`: … `demo`: …) keeps only this command's part.
 */
export function describeFor(option: OptionSpec, command: Command): string {
  const parts = option.description.split(/(?=`[a-z-]+`: )/);
  if (parts.length < 2) return option.description;
  const own = parts.find((p) => p.startsWith(`\`${command}\`: `));
  if (own === undefined) return option.description;
  const text = own.slice(command.length + 4).trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
