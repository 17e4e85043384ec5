import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Location } from '../../src/state/s3-location.js';
import { KEPT_PREVIOUS_STATES, S3StateStore } from '../../src/state/s3-state-store.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

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

  it('a crash between the object and the pointer restores the previous state, and the orphan goes later', async () => {
    const { store, prefix } = freshStore();
    await store.save(Buffer.from('saved'));
    // What a crash after PutObject and before the pointer leaves behind.
    const orphan = `${prefix}state-0000000000000001-deadbeef.json`;
    await s3.client.send(new PutObjectCommand({ Bucket: 'states', Key: orphan, Body: '{"torn":' }));
    expect(text((await store.load())?.bytes)).toBe('saved');
    for (let i = 0; i < KEPT_PREVIOUS_STATES + 2; i++) await store.save(Buffer.from(`next ${i}`));
    expect(await keys(s3.client, prefix)).not.toContain(orphan);
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
