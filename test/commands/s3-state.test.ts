/**
 * `run --state-url` against s3rver and kinesalite: a kill -9 in the middle of
 * consumption loses nothing and counts nothing twice, and a bucket that
 * cannot be written stops the start with exit status 2.
 */

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { CLI, runCli } from '../helpers/cli.js';
import { expositionOf, sumOf, taskLines } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { type RunOptions, runArgs, startRun, useLocalStream } from '../helpers/run-exporter.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const stream = useLocalStream('s3-state', 2);
let s3: S3TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3Server(['exporter-state']);
  env = { ...stream().env, ...s3.env };
});

afterAll(async () => {
  await s3?.close();
});

/** Runs the CLI to its end without blocking this process, which serves S3 to it. */
function runCliAsync(argv: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stderr })));
}

/** `run` with its state in S3 at `url`. */
const options = (url: string): RunOptions => ({
  state: { url },
  env: s3.env,
  args: ['--idle-delay', '50ms', '--checkpoint-interval', '100ms'],
});
const args = (url: string) => runArgs(stream(), options(url));

describe('run --state-url', () => {
  it('continues after kill -9 from the state in S3, counting each record once', async () => {
    const events = generateCorpus({ tasks: 200, seed: 11, startMs: Date.now() - 3_600_000 }).map(
      (e) => JSON.stringify(e),
    );
    const half = Math.floor(events.length / 2);
    const first = await startRun(stream(), options('s3://exporter-state/prod/ecs'));
    await stream().put(events.slice(0, half));
    await waitFor(
      async () => sumOf(await first.metrics(), 'ecs_events_exporter_records_total') >= half,
      20_000,
      'the first half counted and saved',
    );
    expect(await first.stop('SIGKILL')).toBeNull();
    await stream().put(events.slice(half));
    const second = await startRun(stream(), options('s3://exporter-state/prod/ecs'));
    try {
      expect(second.log()).toMatch(/"msg":"state restored"/);
      let text = '';
      await waitFor(
        async () => {
          text = await second.metrics();
          return sumOf(text, 'ecs_events_exporter_records_total') >= events.length;
        },
        20_000,
        'every record counted',
      );
      await new Promise((r) => setTimeout(r, 300));
      text = await second.metrics();
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
      expect(taskLines(text)).toBe(taskLines(await expositionOf(events)));
      const ready = await (await fetch(`${second.url}/readyz`)).text();
      expect(ready).toMatch(
        /state in S3 s3:\/\/exporter-state\/prod\/ecs\/ \(pointer in s3:\/\/exporter-state\/prod\/ecs\/current.json\) current/,
      );
    } finally {
      second.stop();
    }
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('a bucket that does not exist stops the start with exit status 2 and one clear line', async () => {
    const result = await runCliAsync(args('s3://missing-bucket/x'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /cannot start: cannot write the state in s3:\/\/missing-bucket\/x\/: the bucket does not exist \(NoSuchBucket\)/,
    );
  });

  it('refuses --state-dir with --state-url, and --lease-table without --state-url', () => {
    const both = runCli([...args('s3://b-1/x'), '--state-dir', '/tmp/x'], undefined, env);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--state-dir and --state-url: choose one place for the state/);
    const lease = runCli(
      ['run', '--stream', stream().name, '--lease-table', 'leases'],
      undefined,
      env,
    );
    expect(lease.status).toBe(2);
    expect(lease.stderr).toMatch(/--lease-table needs --state-url/);
  });
});
