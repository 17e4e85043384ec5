/**
 * What every AWS client of the exporter (Kinesis, S3, DynamoDB) is built
 * with: HTTP/1.1 through Node's handler (the SDK's HTTP/2 default does not
 * work against the local emulators), bounded connection and request times,
 * and the SDK's own region, endpoint and credential resolution unless given.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  /** Defaults to the SDK's own resolution (AWS_REGION, profile, ...). */
  region?: string;
  /** Defaults to the SDK's own resolution (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, ...). */
  endpoint?: string;
  /** Static credentials, e.g. dummy ones for a local emulator; defaults to the SDK's chain. */
  credentials?: AwsCredentials;
  /** Time allowed for one request and its response; each client has its own default. */
  requestTimeoutMs?: number;
}

/** Each client's own limits: how often the SDK tries a call, and how long it waits. */
export interface AwsClientLimits {
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The configuration object an AWS SDK v3 client constructor takes. */
export function awsClientConfig(options: AwsClientOptions, limits: AwsClientLimits) {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: limits.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? limits.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  };
}
