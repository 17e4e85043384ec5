/**
 * The DynamoDB client of the lease: HTTP/1.1 through Node's handler (as the
 * Kinesis and S3 clients), the SDK's standard credential chain, region and
 * endpoint (`AWS_ENDPOINT_URL_DYNAMODB`), and request times short against
 * the lease duration, so a hung call cannot outlast a lease.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface DynamoClientOptions {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Time allowed for one request and its response, default 3000 ms. */
  requestTimeoutMs?: number;
}

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 2000,
      requestTimeout: options.requestTimeoutMs ?? 3000,
      throwOnRequestTimeout: true,
    }),
  });
}
