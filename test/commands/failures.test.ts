/**
 * What each failure looks like to an operator of `run`: the exit status, the
 * /healthz and /readyz verdicts, the metrics and the log, with the log in
 * JSON checked line by line. Failures are real: a non-root user, a file in
 * place of the state directory, a directory whose permissions change under
 * a running exporter, a file system call that never returns (mkdir under
 * /proc spins for ever), and no AWS credentials at all.
 */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { AS_NOBODY, runCli } from '../helpers/cli.js';
import { sample, sumOf } from '../helpers/exposition.js';
import { waitFor } from '../helpers/kinesis-server.js';
import { addStream, runArgs, startRun, useLocalStream } from '../helpers/run-exporter.js';

/** The stream of the tests that read no record; a test that does has its own. */
const stream = useLocalStream('failures', 2);

const JSON_LOG = ['--log-format', 'json'];
/** `run` on the shared stream with its state in `dir`, as started by hand. */
const runIn = (dir: string) => runArgs(stream(), { state: { dir }, args: JSON_LOG });

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Every line of `text` parsed as JSON: fails the test on any line that is not. */
function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

function events(seed: number, tasks: number): string[] {
  return generateCorpus({ tasks, seed, startMs: Date.now() - 3_600_000 }).map((e) =>
    JSON.stringify(e),
  );
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

const records = (text: string) => sumOf(text, 'ecs_events_exporter_records_total');

describe('state that cannot be kept stops the start (exit 2, one log line)', () => {
  it('a state directory a non-root user cannot create', () => {
    const parent = mkdtempSync(join(tmpdir(), 'state-root-'));
    chmodSync(parent, 0o755);
    const result = runCli(runIn(join(parent, 'state')), undefined, stream().env, AS_NOBODY);
    expect(result.status).toBe(2);
    const errors = jsonLines(result.stderr).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe(
      `cannot start: cannot create the state directory ${join(parent, 'state')}: permission denied for user id 65534 (EACCES)`,
    );
    expect(result.stderr).not.toMatch(/"url"/);
  });

  it('an existing state directory a non-root user cannot write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-ro-'));
    chmodSync(dir, 0o755);
    const result = runCli(runIn(dir), undefined, stream().env, AS_NOBODY);
    expect(result.status).toBe(2);
    expect(jsonLines(result.stderr).at(-1)?.msg).toBe(
      `cannot start: cannot write in the state directory ${dir}: permission denied for user id 65534 (EACCES)`,
    );
  });

  it('a regular file named as the state directory', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'state-file-')), 'state');
    writeFileSync(file, 'not a directory\n');
    const result = runCli(runIn(file), undefined, stream().env);
    expect(result.status).toBe(2);
    expect(jsonLines(result.stderr).at(-1)?.msg).toBe(
      `cannot start: cannot create the state directory ${file}: a file is in the way where a directory is expected (EEXIST)`,
    );
  });

  it('a state directory whose creation never returns: exit 2 after the 10 s limit', () => {
    const started = Date.now();
    const dir = '/proc/ecs-events-exporter-test/state';
    const result = runCli(runIn(dir), undefined, stream().env);
    expect(result.status).toBe(2);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(jsonLines(result.stderr).at(-1)?.msg).toMatch(
      /^cannot start: checking that the state can be saved \(file \/proc\/ecs-events-exporter-test\/state\/kinesis-checkpoint-failures\.json\) did not finish within 10 s$/,
    );
  }, 30_000);
});

describe('saves that start failing in a running exporter', () => {
  it('readiness fails at once with the reason, health after 5 failures, the metrics say so, and all recovers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-flip-'));
    chmodSync(dir, 0o755);
    chownSync(dir, 65534, 65534);
    const flip = await addStream(stream().kinesis, 'failures-flip', 2);
    const run = await startRun(flip, { state: { dir }, args: JSON_LOG, wrapper: AS_NOBODY });
    const url = run.url;
    try {
      const first = events(901, 20);
      await flip.put(first);
      await waitFor(
        async () => records(await (await fetch(`${url}/metrics`)).text()) >= first.length,
        15_000,
        'the first records saved and shown',
      );
      expect((await get(`${url}/readyz`)).status).toBe(200);

      // The directory stops being writable, as after a change of owner.
      chmodSync(dir, 0o555);
      const shownBefore = records(await (await fetch(`${url}/metrics`)).text());
      const more = events(902, 20);
      await flip.put(more);
      await waitFor(async () => (await get(`${url}/readyz`)).status === 503, 2000, 'not ready');
      const ready = await get(`${url}/readyz`);
      expect(ready.text).toMatch(
        new RegExp(
          `saving the state to file ${dir}/kinesis-checkpoint-${flip.name}\\.json failed \\d+ time\\(s\\) in a row: cannot save the state to ${dir}/kinesis-checkpoint-${flip.name}\\.json: permission denied for user id 65534 \\(EACCES\\); /metrics shows the values of the last save`,
        ),
      );
      await waitFor(async () => (await get(`${url}/healthz`)).status === 503, 5000, 'unhealthy');
      expect((await get(`${url}/healthz`)).text).toMatch(/failed \d+ times in a row: cannot save/);

      const unsaved = async () =>
        sample(
          await (await fetch(`${url}/metrics`)).text(),
          'ecs_events_exporter_state_unsaved_records',
        );
      await waitFor(async () => (await unsaved()) === more.length, 5000, 'unsaved records');
      const failing = await (await fetch(`${url}/metrics`)).text();
      expect(
        sample(failing, 'ecs_events_exporter_state_save_failures_total'),
      ).toBeGreaterThanOrEqual(5);
      expect(sample(failing, 'ecs_events_exporter_kinesis_checkpoint_age_seconds')).toBeGreaterThan(
        0.5,
      );
      // Counters show the last saved values: never one a restart would take back.
      expect(records(failing)).toBe(shownBefore);

      chmodSync(dir, 0o755);
      await waitFor(async () => (await get(`${url}/readyz`)).status === 200, 5000, 'ready again');
      expect((await get(`${url}/healthz`)).status).toBe(200);
      const recovered = await (await fetch(`${url}/metrics`)).text();
      expect(records(recovered)).toBe(first.length + more.length);
      expect(sample(recovered, 'ecs_events_exporter_state_unsaved_records')).toBe(0);
    } finally {
      chmodSync(dir, 0o755);
      run.stop();
    }
    expect(await run.exited).toBe(0);
    const log = jsonLines(
      run
        .log()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    );
    const failures = log.filter((l) => l.msg.startsWith('saving state failed: '));
    // The first failure is logged, not every one of them.
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThan(5);
    expect(failures[0]).not.toHaveProperty('err');
    expect(log.some((l) => l.msg === 'saving state works again')).toBe(true);
  }, 60_000);

  it('a save that never returns: readiness fails, and SIGTERM still ends the process (exit 1) within the budget', async () => {
    const root = mkdtempSync(join(tmpdir(), 'state-stuck-'));
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    const stuck = await addStream(stream().kinesis, 'failures-stuck', 2);
    const run = await startRun(stuck, {
      state: { dir: join(root, 'link', 'state') },
      args: JSON_LOG,
    });
    const url = run.url;
    try {
      await waitFor(async () => (await get(`${url}/readyz`)).status === 200, 15_000, 'ready');
      // The state directory now resolves under /proc, where mkdir never returns. The link
      // is replaced in one rename, so no save in between finds it missing.
      symlinkSync('/proc', join(root, 'next-link'));
      renameSync(join(root, 'next-link'), join(root, 'link'));
      await stuck.put(events(903, 5));
      // A save in flight when the link moved can fail outright (its rename resolves under
      // /proc) before the next one hangs; readiness then names that failure until a save
      // succeeds, which none will. Either reason: the hang itself is what the shutdown
      // below must outlast (exit 1, 'shutdown took too long').
      const hanging =
        /saving the state to file .* (has not finished after \d+ s|failed \d+ time\(s\) in a row: .*); \/metrics shows the values of the last save/;
      await waitFor(
        async () => {
          const ready = await get(`${url}/readyz`);
          return ready.status === 503 && hanging.test(ready.text);
        },
        10_000,
        'not ready, naming the save that has not finished (or the one that failed as the link moved)',
      );
    } finally {
      run.stop();
    }
    const stopping = Date.now();
    expect(await run.exited).toBe(1);
    expect(Date.now() - stopping).toBeLessThan(12_000);
    const log = jsonLines(
      run
        .log()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    );
    expect(log.at(-1)?.msg).toBe('shutdown took too long; exiting anyway');
  }, 60_000);
});

describe('no AWS credentials', () => {
  it('health and readiness name the problem; one log line without a stack; the log is JSON throughout', async () => {
    const run = await startRun(stream(), {
      state: 'none',
      args: JSON_LOG,
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '',
      },
    });
    const url = run.url;
    try {
      await waitFor(
        async () => /no AWS credentials/.test((await get(`${url}/readyz`)).text),
        10_000,
        'readiness naming the credentials',
      );
      const health = await get(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(health.text).toMatch(
        /^not ok: shards of stream failures not listed yet \(started \d+ s ago\); no AWS credentials \(CredentialsProviderError\) to list the shards of stream failures: .*; provide them the standard SDK way/,
      );
      const ready = await get(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.text).not.toMatch(/access denied/);
      // Retried every few seconds meanwhile, logged once.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
    const log = jsonLines(run.log());
    const problems = log.filter((l) =>
      l.msg.startsWith('cannot list Kinesis shards: no AWS credentials'),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toHaveProperty('err');
    expect(run.log()).not.toMatch(/\n\s+at /);
    // Process warnings (the AWS SDK's notice on Node.js before 22) are log lines too.
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(
        log.some((l) => l.warning === 'Warning' && /NodeVersionSupportWarning/.test(l.msg)),
      ).toBe(true);
    }
  }, 30_000);
});
