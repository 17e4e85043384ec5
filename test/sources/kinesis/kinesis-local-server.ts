/**
 * Runs kinesis-local (the npm build of kinesis-mock, closer to the real API
 * than kinesalite: StreamARN, ListShards pagination, ChildShards) as a child
 * process on free ports of 127.0.0.1. It cannot run in-process (it starts on
 * load and has no handle to stop it) and does not print the port it got for
 * port 0, so free ports are picked first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';

/** main.js of kinesis-local: from KINESIS_LOCAL_MAIN, else the installed package, else undefined. */
export function findKinesisLocal(): string | undefined {
  const fromEnv = process.env.KINESIS_LOCAL_MAIN;
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  try {
    return createRequire(import.meta.url).resolve('kinesis-local/main.js');
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface KinesisLocalServer {
  readonly endpoint: string;
  readonly startupMs: number;
  close(): Promise<void>;
}

export async function startKinesisLocal(
  main: string,
  timeoutMs = 20_000,
): Promise<KinesisLocalServer> {
  const plainPort = await freePort();
  const tlsPort = await freePort();
  const started = Date.now();
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: join(dirname(main), 'server.json'),
      CREATE_STREAM_DURATION: '50ms',
      SPLIT_SHARD_DURATION: '50ms',
      MERGE_SHARDS_DURATION: '50ms',
      LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', kill);
  while (!(await canConnect(plainPort))) {
    if (child.exitCode !== null || Date.now() - started > timeoutMs) {
      kill();
      throw new Error(`kinesis-local did not start: ${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    endpoint: `http://127.0.0.1:${plainPort}`,
    startupMs: Date.now() - started,
    async close() {
      process.off('exit', kill);
      if (child.exitCode === null) {
        kill();
        await exited;
      }
    },
  };
}
