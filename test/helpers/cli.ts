import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** The exporter's URL in its 'exporter started' log line, as `run` logs it on 127.0.0.1. */
export const URL_IN_LOG = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/;

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

/** A command the CLI runs under, e.g. `setpriv ...` to run it as another user. */
export type Wrapper = readonly string[];

function command(args: string[], wrapper: Wrapper): [string, string[]] {
  const [first, ...rest] = [...wrapper, process.execPath, CLI, ...args];
  return [first as string, rest];
}

/** Runs the CLI as user id 65534 (nobody), able to read every file but to write only where nobody may. */
export const AS_NOBODY: Wrapper = [
  'setpriv',
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  '--inh-caps=+dac_read_search',
  '--ambient-caps=+dac_read_search',
];

export function runCli(
  args: string[],
  input?: string,
  env: Record<string, string> = {},
  wrapper: Wrapper = [],
) {
  const [file, argv] = command(args, wrapper);
  const result = spawnSync(file, argv, {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI in the background and resolves once stdout or stderr matches `ready` (within `timeoutMs`). */
export function startCli(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
  wrapper: Wrapper = [],
  timeoutMs = 20_000,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const [file, argv] = command(args, wrapper);
  const child = spawn(file, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not become ready in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    let resolved = false;
    const check = () => {
      const match = out.match(ready) ?? err.match(ready);
      if (match && !resolved) {
        resolved = true;
        clearTimeout(timer);
        resolve({ child, match, output: () => `${out}\n${err}` });
      }
    };
    child.stdout?.on('data', (d) => {
      out += d;
      check();
    });
    child.stderr?.on('data', (d) => {
      err += d;
      check();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!resolved) reject(new Error(`CLI exited with ${code}:\n${out}\n${err}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
