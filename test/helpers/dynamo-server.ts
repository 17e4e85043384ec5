/**
 * dynalite (a DynamoDB-API server from npm) in memory on 127.0.0.1, port 0,
 * with a client and a helper to create a lease table. Gaps of dynalite 4
 * that matter here: no TransactWriteItems; conditional writes, consistent
 * reads and UpdateItem expressions work.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../src/leases/dynamodb-client.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: Record<string, unknown>) => Server;

export interface DynamoTestServer {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The environment `ecs-events-exporter run` reads DynamoDB from. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startDynamoServer(): Promise<DynamoTestServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createDynamoClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
  });
  return {
    endpoint,
    client,
    env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

/** A lease table as the CloudFormation template makes it: partition key `leaseKey`, on demand. */
export async function createLeaseTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${table} not active`);
}
