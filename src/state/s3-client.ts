/**
 * The S3 client of the state store: HTTP/1.1 through Node's handler (as the
 * Kinesis client), the SDK's standard credential chain, region and endpoint
 * (`AWS_ENDPOINT_URL_S3`), bounded connection and request times. An endpoint
 * given as an IP address (a local S3-API server) is addressed path-style by
 * the SDK's own endpoint rules.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface S3ClientOptions {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Time allowed for one request and its response, default 20000 ms. */
  requestTimeoutMs?: number;
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5000,
      requestTimeout: options.requestTimeoutMs ?? 20_000,
      throwOnRequestTimeout: true,
    }),
  });
}
