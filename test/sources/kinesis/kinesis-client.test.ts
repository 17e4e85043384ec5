/**
 * createKinesisClient: HTTP/1.1, few attempts, and region, endpoint and
 * credentials from the SDK's environment variables, checked against
 * kinesalite.
 */
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../../src/sources/kinesis/kinesis-client.js';
import {
  createStream,
  type KinesisTestServer,
  startKinesisServer,
} from '../../helpers/kinesis-server.js';

const VARS = [
  'AWS_ENDPOINT_URL_KINESIS',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

describe('createKinesisClient', () => {
  let server: KinesisTestServer;
  const saved = new Map<string, string | undefined>();
  beforeEach(async () => {
    server = await startKinesisServer();
    for (const name of VARS) saved.set(name, process.env[name]);
  });
  afterEach(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server.close();
  });

  it('uses HTTP/1.1 and few attempts', async () => {
    const client = createKinesisClient({ region: 'us-east-1', endpoint: server.endpoint });
    expect(client.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(await client.config.maxAttempts()).toBe(2);
    expect(
      await createKinesisClient({ region: 'us-east-1', maxAttempts: 1 }).config.maxAttempts(),
    ).toBe(1);
    client.destroy();
  });

  it('takes the region, endpoint and credentials from the SDK environment variables', async () => {
    await createStream(server.admin, 'from-env', 1);
    process.env.AWS_ENDPOINT_URL_KINESIS = server.endpoint;
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const client = createKinesisClient();
    const out = await client.send(new ListStreamsCommand({}));
    expect(out.StreamNames).toContain('from-env');
    expect(await client.config.region()).toBe('eu-west-1');
    client.destroy();
  });
});
