/**
 * `run` as the CLI suites start it: a kinesalite on 127.0.0.1 with a stream,
 * the environment the exporter reads it with (endpoint, region, test
 * credentials), and the built CLI's `run` on that stream with a state
 * directory of its own, short intervals and its HTTP server on port 0.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { exited, startCli, URL_IN_LOG, type Wrapper } from './cli.js';
import {
  createStream,
  exporterEnv,
  type KinesisTestServer,
  putRecords,
  startKinesisServer,
} from './kinesis-server.js';

export interface LocalStream {
  readonly kinesis: KinesisTestServer;
  readonly name: string;
  /** What `run` needs to read the stream: AWS_ENDPOINT_URL_KINESIS, AWS_REGION, credentials. */
  readonly env: Record<string, string>;
  /** Puts these records, with random partition keys. */
  put(records: readonly string[]): Promise<void>;
}

/** A stream of `shards` shards on an existing server. */
export async function addStream(
  kinesis: KinesisTestServer,
  name: string,
  shards: number,
): Promise<LocalStream> {
  await createStream(kinesis.admin, name, shards);
  return {
    kinesis,
    name,
    env: exporterEnv(kinesis),
    put: (records) => putRecords(kinesis.admin, name, records),
  };
}

/** A new kinesalite with one stream; `stream.kinesis.close()` stops it. */
export async function startLocalStream(name: string, shards: number): Promise<LocalStream> {
  const kinesis = await startKinesisServer();
  return addStream(kinesis, name, shards);
}

/**
 * A local stream for the tests of one file (or describe block): started
 * before the first of them, stopped after the last. A test reads it as
 * `stream()`.
 */
export function useLocalStream(name: string, shards: number): () => LocalStream {
  let stream: LocalStream | undefined;
  beforeAll(async () => {
    stream = await startLocalStream(name, shards);
  });
  afterAll(async () => {
    await stream?.kinesis.close();
  });
  return () => {
    if (stream === undefined) throw new Error(`the stream ${name} is not started yet`);
    return stream;
  };
}

export interface RunOptions {
  /** Where `run` keeps its state: a directory (by default a new temporary one), an S3 URL, or nowhere. */
  readonly state?: { readonly dir: string } | { readonly url: string } | 'none';
  /**
   * TRIM_HORIZON, a 100 ms idle delay and a 200 ms checkpoint interval, so a
   * test sees records at once (the default); false runs with the defaults a
   * user gets.
   */
  readonly fast?: boolean;
  /** More flags, after the usual ones: a flag given here wins over the same one above. */
  readonly args?: readonly string[];
  /** More environment, e.g. the S3 or DynamoDB endpoints. */
  readonly env?: Record<string, string>;
  /** A command to run the CLI under, e.g. AS_NOBODY. */
  readonly wrapper?: Wrapper;
  /** How long `run` may take to log its URL. */
  readonly timeoutMs?: number;
}

export interface RunningExporter {
  readonly child: ChildProcess;
  /** The exporter's own http://127.0.0.1:port. */
  readonly url: string;
  /** The state directory, when the state is kept in one. */
  readonly stateDir: string | undefined;
  /** Everything `run` has logged so far, stdout and stderr. */
  log(): string;
  /** The text of /metrics. */
  metrics(): Promise<string>;
  /** The exit code once `run` has ended (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM: a clean stop) and resolves with the exit code, as `exited`. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The flags `startRun` gives `run`: what a test reads in the log, or runs again by hand. */
export function runArgs(stream: LocalStream, options: RunOptions = {}): string[] {
  const state = options.state ?? { dir: mkdtempSync(join(tmpdir(), `run-${stream.name}-`)) };
  return [
    'run',
    '--stream',
    stream.name,
    '--web.listen-address',
    '127.0.0.1:0',
    ...(state === 'none'
      ? []
      : 'url' in state
        ? ['--state-url', state.url]
        : ['--state-dir', state.dir]),
    ...(options.fast === false
      ? []
      : [
          '--start-position',
          'TRIM_HORIZON',
          '--idle-delay',
          '100ms',
          '--checkpoint-interval',
          '200ms',
        ]),
    ...(options.args ?? []),
  ];
}

/** Starts `run` on `stream` and resolves once it logs its URL. */
export async function startRun(
  stream: LocalStream,
  options: RunOptions = {},
): Promise<RunningExporter> {
  const args = runArgs(stream, options);
  const dirAt = args.indexOf('--state-dir');
  const { child, match, output } = await startCli(
    args,
    URL_IN_LOG,
    { ...stream.env, ...options.env },
    options.wrapper,
    options.timeoutMs,
  );
  const url = match[1] as string;
  const ended = exited(child);
  return {
    child,
    url,
    stateDir: dirAt === -1 ? undefined : args[dirAt + 1],
    log: output,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    exited: ended,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return ended;
    },
  };
}
