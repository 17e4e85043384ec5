/**
 * The Kinesis client the source uses: HTTP/1.1 (the SDK's HTTP/2 default does
 * not work against the local emulators), few SDK retries (the source backs off
 * and counts errors itself) and bounded connection and request times.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface KinesisClientOptions {
  /** Defaults to the SDK's own resolution (AWS_REGION, profile, ...). */
  region?: string;
  /** Defaults to the SDK's own resolution (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, ...). */
  endpoint?: string;
  /** SDK attempts per call, default 2; the source retries on its own. */
  maxAttempts?: number;
  /** Static credentials, e.g. dummy ones for a local emulator; defaults to the SDK's chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Time allowed to connect, default 5000 ms. */
  connectionTimeoutMs?: number;
  /** Time allowed for one request and its response, default 30000 ms. */
  requestTimeoutMs?: number;
}

export function createKinesisClient(options: KinesisClientOptions = {}): KinesisClient {
  return new KinesisClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
    }),
  });
}
