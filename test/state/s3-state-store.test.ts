/**
 * S3StateStore against s3rver on 127.0.0.1 (through a loopback proxy for
 * faults): objects and pointers, crashes between them, orphans deleted later,
 * mismatches refused, unusable state set aside.
 */
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricRegistry } from '../../src/metrics/metric-registry.js';
import { DurableState } from '../../src/state/durable-state.js';
import { createS3Client } from '../../src/state/s3-client.js';
import { parseS3Location } from '../../src/state/s3-location.js';
import {
  KEPT_PREVIOUS_STATES,
  S3PointerKeeper,
  S3StateStore,
} from '../../src/state/s3-state-store.js';
import { registerStateMetrics } from '../../src/state/state-metrics.js';
import type { PointerKeeper } from '../../src/state/state-pointer.js';
import { freshCore, promClientText, sample } from '../helpers/exposition.js';
import { capturingLogger } from '../helpers/log-lines.js';
import { S3_CREDENTIALS, type S3TestServer, startS3Server } from '../helpers/s3-server.js';

let s3: S3TestServer;
let prefixes = 0;

beforeAll(async () => {
  s3 = await startS3Server(['states']);
});
afterAll(async () => {
  await s3?.close();
});

/** A store under a prefix of its own. */
function freshStore(): { store: S3StateStore; prefix: string; url: string } {
  prefixes += 1;
  const url = `s3://states/exporter-${prefixes}`;
  return {
    store: new S3StateStore({ client: s3.client, location: parseS3Location(url) }),
    prefix: `exporter-${prefixes}/`,
    url,
  };
}

async function keys(client: S3Client, prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'states', Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

describe('parseS3Location', () => {
  it('reads bucket and prefix, with or without slashes', () => {
    expect(parseS3Location('s3://b-1/a/b/')).toEqual({
      bucket: 'b-1',
      prefix: 'a/b/',
      url: 's3://b-1/a/b/',
    });
    expect(parseS3Location('s3://bucket')).toMatchObject({ prefix: '', url: 's3://bucket/' });
    expect(() => parseS3Location('https://bucket/x')).toThrow(/s3:\/\/BUCKET\/PREFIX/);
    expect(() => parseS3Location('s3://Bad_Bucket/x')).toThrow(/not an S3 bucket name/);
  });
});

describe('S3StateStore against s3rver', () => {
  it('loads nothing before the first save', async () => {
    expect(await freshStore().store.load()).toBeUndefined();
  });

  it('round-trips bytes through a new object and a pointer, keeping a few old states', async () => {
    const { store, prefix, url } = freshStore();
    const generations: string[] = [];
    for (let i = 0; i < 8; i++) generations.push(await store.save(Buffer.from(`state ${i}`)));
    expect(new Set(generations).size).toBe(8);
    // A new process reads the pointer.
    const again = new S3StateStore({ client: s3.client, location: parseS3Location(url) });
    const loaded = await again.load();
    expect(text(loaded?.bytes)).toBe('state 7');
    expect(loaded?.generation).toBe(generations[7]);
    const states = (await keys(s3.client, prefix)).filter((k) => k.includes('/state-'));
    expect(states).toHaveLength(KEPT_PREVIOUS_STATES + 1);
    expect(await keys(s3.client, prefix)).toContain(`${prefix}current.json`);
    // A save by the new process continues the sequence.
    await again.save(Buffer.from('state 8'));
    expect(text((await store.load())?.bytes)).toBe('state 8');
  });

  it('a crash between the object and the pointer restores the previous state; the orphan is left to the lifecycle rule', async () => {
    const { store, prefix } = freshStore();
    await store.save(Buffer.from('saved'));
    // What a crash after PutObject and before the pointer leaves behind: no pointer names it,
    // and without listing the bucket nothing can find it (the bucket's lifecycle rule expires it).
    const orphan = `${prefix}state-0000000000000001-deadbeef.json`;
    await s3.client.send(new PutObjectCommand({ Bucket: 'states', Key: orphan, Body: '{"torn":' }));
    expect(text((await store.load())?.bytes)).toBe('saved');
    for (let i = 0; i < KEPT_PREVIOUS_STATES + 2; i++) await store.save(Buffer.from(`next ${i}`));
    const states = (await keys(s3.client, prefix)).filter((k) => k.includes('/state-'));
    expect(states).toContain(orphan);
    expect(states).toHaveLength(KEPT_PREVIOUS_STATES + 2);
  });

  it('an object whose pointer could not be written is deleted at a later save', async () => {
    const { prefix, url } = freshStore();
    const keeper = new S3PointerKeeper(s3.client, parseS3Location(url));
    let failWrites = 0;
    const flaky: PointerKeeper = {
      description: keeper.description,
      read: () => keeper.read(),
      nextSequence: () => keeper.nextSequence(),
      write: async (pointer) => {
        if (failWrites > 0) {
          failWrites -= 1;
          throw new Error('pointer write refused');
        }
        await keeper.write(pointer);
      },
    };
    const store = new S3StateStore({
      client: s3.client,
      location: parseS3Location(url),
      pointer: flaky,
    });
    await store.save(Buffer.from('one'));
    failWrites = 1;
    await expect(store.save(Buffer.from('lost'))).rejects.toThrow(/pointer write refused/);
    expect(await keys(s3.client, prefix)).toHaveLength(3);
    await store.save(Buffer.from('two'));
    const states = (await keys(s3.client, prefix)).filter((k) => k.includes('/state-'));
    expect(states).toHaveLength(2);
    expect(text((await store.load())?.bytes)).toBe('two');
  });

  it('refuses an object that does not match its pointer', async () => {
    const { store } = freshStore();
    await store.save(Buffer.from('the real state'));
    const pointer = JSON.parse(
      (await (
        await s3.client.send(
          new GetObjectCommand({ Bucket: 'states', Key: `exporter-${prefixes}/current.json` }),
        )
      ).Body?.transformToString()) as string,
    ) as { key: string };
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'states', Key: pointer.key, Body: 'the real statX' }),
    );
    await expect(store.load()).rejects.toThrow(/does not match its pointer.*refusing to restore/);
  });

  it('sets unusable state aside and then loads nothing', async () => {
    const { store, prefix } = freshStore();
    await store.save(Buffer.from('not a state'));
    await store.setAside('unsupported version');
    expect(await store.load()).toBeUndefined();
    expect((await keys(s3.client, prefix)).some((k) => k.includes('/corrupt-'))).toBe(true);
  });

  it('probes by writing and deleting an object, leaving nothing behind', async () => {
    const { store, prefix } = freshStore();
    await store.probe();
    expect(await keys(s3.client, prefix)).toEqual([]);
  });

  it('a missing bucket fails the probe and saves with words an operator can act on', async () => {
    const store = new S3StateStore({
      client: s3.client,
      location: parseS3Location('s3://no-such-bucket/x'),
    });
    await expect(store.probe()).rejects.toThrow(
      /cannot write the state in s3:\/\/no-such-bucket\/x\/: the bucket does not exist \(NoSuchBucket\)/,
    );
    await expect(store.save(Buffer.from('x'))).rejects.toThrow(/NoSuchBucket/);
  });
});

/**
 * The shipped IAM policy grants no s3:ListBucket: a loopback proxy in front
 * of s3rver answers ListObjects with AWS's 403 AccessDenied, and DeleteObject
 * too while `refuseDeletes` is set.
 */
describe('S3 clean-up under a policy without s3:ListBucket', () => {
  let proxy: Server;
  let endpoint: string;
  let refuseDeletes = false;
  const listed: string[] = [];

  beforeAll(async () => {
    const target = new URL(s3.endpoint);
    const denied = (res: ServerResponse) => {
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R</RequestId></Error>',
      );
    };
    proxy = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const isList = req.method === 'GET' && /^\/[^/]+\/?$/.test(url.pathname);
      if (isList) listed.push(url.search);
      if (isList || (refuseDeletes && req.method === 'DELETE')) {
        req.resume();
        denied(res);
        return;
      }
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => proxy.close(r));
  });

  it('keeps the current state and a few before it after 20 saves, listing nothing; a failed clean-up is counted, logged and tried again', async () => {
    const client = createS3Client({ endpoint, region: 'us-east-1', credentials: S3_CREDENTIALS });
    const { logger, lines: warnings } = capturingLogger('warn');
    const location = parseS3Location('s3://states/no-list');
    const store = new S3StateStore({ client, location, logger });
    const states = async () =>
      (await keys(s3.client, 'no-list/')).filter((k) => k.includes('/state-'));
    // The proxy does refuse listing, as the shipped policy would.
    await expect(
      client.send(new ListObjectsV2Command({ Bucket: 'states', Prefix: 'no-list/' })),
    ).rejects.toThrow(/Access Denied/);
    listed.length = 0;
    for (let i = 0; i < 20; i++) await store.save(Buffer.from(`state ${i}`));
    expect(listed).toEqual([]);
    expect(await states()).toHaveLength(KEPT_PREVIOUS_STATES + 1);
    expect(store.cleanupFailures).toBe(0);

    refuseDeletes = true;
    for (let i = 0; i < 3; i++) await store.save(Buffer.from(`refused ${i}`));
    expect(store.cleanupFailures).toBe(3);
    // As /metrics shows it: the store's count through the durable state's status.
    const registry = new MetricRegistry();
    const durable = new DurableState({
      store,
      counting: freshCore(),
      source: { position: () => null, checkPosition: () => undefined },
      intervalMs: 60_000,
      logger,
    });
    registerStateMetrics(registry, () => durable.status);
    expect(
      sample(await promClientText(registry), 'ecs_events_exporter_state_cleanup_failures_total'),
    ).toBe(3);
    expect(await states()).toHaveLength(KEPT_PREVIOUS_STATES + 4);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]?.msg).toMatch(/removing old state objects failed/);
    expect(warnings[0]?.reason).toMatch(/access denied \(AccessDenied\)/);

    // Allowed again: the next save deletes what the failed ones left, and a new process knows them too.
    refuseDeletes = false;
    const again = new S3StateStore({ client, location, logger });
    expect(text((await again.load())?.bytes)).toBe('refused 2');
    await again.save(Buffer.from('after'));
    expect(await states()).toHaveLength(KEPT_PREVIOUS_STATES + 1);
    expect(again.cleanupFailures).toBe(0);
    client.destroy();
  });
});
