/**
 * The lease works with any store that can keep its pointer elsewhere, through
 * `run` itself: with the toy store (test/state/toy/) registered first, `run
 * --lease-table` keys the lease by the toy store's location, leads, reads the
 * toy source and moves the toy store's pointer in the lease item (dynalite),
 * never in a file beside the saves.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/run.js';
import { DynamoLease } from '../../src/leases/lease.js';
import { STORES } from '../../src/state/create-store.js';
import { DurableState } from '../../src/state/durable-state.js';
import {
  createLeaseTable,
  type DynamoTestServer,
  startDynamoServer,
} from '../helpers/dynamo-server.js';
import { fixtureLine, freshCore, silentLogger, taskLines } from '../helpers/exposition.js';
import { capturingLogger } from '../helpers/log-lines.js';
import { terminateRun, toyRunConfig } from '../helpers/toy-run.js';
import { TOY_SOURCE, type ToyConfig } from '../sources/toy/toy-source.js';
import { TOY_STORE, ToyStore, type ToyStoreConfig } from '../state/toy/toy-store.js';

const LINES = ['task-stopped-oom.json', 'task-exited.json', 'task-failed-to-start.json'];
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
const AWS_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };

let dynamo: DynamoTestServer;
const saved = new Map<string, string | undefined>();
beforeAll(async () => {
  dynamo = await startDynamoServer();
  await createLeaseTable(dynamo.client, 'toy-leases');
  for (const [name, value] of Object.entries({ ...AWS_ENV, ...dynamo.env })) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
});
afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await dynamo?.close();
});

describe('run --lease-table with a store of one file registered', () => {
  let dir: string;
  let exit: Promise<number> | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toy-lease-'));
  });
  afterEach(async () => {
    if (exit !== undefined) {
      terminateRun();
      await exit;
      exit = undefined;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('leads under a lease keyed by that store, its pointer moved in the lease item', async () => {
    const file = join(dir, 'records.b64');
    const encoded = LINES.map((n) => `${Buffer.from(fixtureLine(n)).toString('base64')}\n`).join(
      '',
    );
    await writeFile(file, encoded);
    const states = join(dir, 'states');
    const loaded = toyRunConfig([
      // The option --lease-table accepts today; the toy store, registered first, is chosen.
      '--state-url',
      's3://never-used/toy',
      '--lease-table',
      'toy-leases',
      '--checkpoint-interval',
      '100ms',
    ]);
    const config: ToyConfig & ToyStoreConfig = {
      ...loaded,
      toyFile: file,
      toyStateDir: states,
    };
    const { logger, lines } = capturingLogger();
    exit = run(config, logger, io, { sources: [TOY_SOURCE], stores: [TOY_STORE, ...STORES] });

    const reader = new DynamoLease({
      client: dynamo.client,
      table: 'toy-leases',
      key: `toy:${states}`,
      owner: 'reader',
      durationMs: 10_000,
    });
    let pointer: Awaited<ReturnType<DynamoLease['read']>>;
    for (let i = 0; i < 200 && pointer === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pointer = await reader.read();
    }
    expect(pointer?.key, JSON.stringify(lines)).toMatch(/^state-\d+\.json$/);
    expect(lines.map((l) => l.msg)).toContain('first records counted as leader');
    expect(lines.find((l) => l.msg === 'exporter started as standby')?.state).toMatch(
      /^toy .*DynamoDB table toy-leases, lease toy:/,
    );

    terminateRun();
    expect(await exit).toBe(0);
    exit = undefined;
    // Beside the saves no pointer file: the lease item names the current one.
    expect(readdirSync(states).filter((f) => !/^state-\d+\.json$/.test(f))).toEqual([]);
    const restored = freshCore();
    const position = await new DurableState({
      store: new ToyStore(states).withPointer(reader),
      counting: restored,
      source: { position: () => null, checkPosition: () => undefined },
      intervalMs: 60_000,
      logger: silentLogger,
    }).restore();
    expect(position).toEqual({ file, lines: 3 });
    const counted = freshCore();
    for (const name of LINES) counted.pipeline.handle(fixtureLine(name));
    expect(taskLines(await restored.exposition())).toBe(taskLines(await counted.exposition()));
  });
});
