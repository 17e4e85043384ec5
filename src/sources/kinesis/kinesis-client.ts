/**
 * The Kinesis client the source uses: the exporter's AWS client settings
 * (base/aws-client.ts) with few SDK retries (the source backs off and counts
 * errors itself) and a longer request time.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { type AwsClientOptions, awsClientConfig } from '../../base/aws-client.js';

export interface KinesisClientOptions extends AwsClientOptions {
  /** SDK attempts per call, default 2; the source retries on its own. */
  maxAttempts?: number;
  /** Time allowed to connect, default 5000 ms. */
  connectionTimeoutMs?: number;
}

export function createKinesisClient(options: KinesisClientOptions = {}): KinesisClient {
  return new KinesisClient(
    awsClientConfig(options, {
      maxAttempts: options.maxAttempts ?? 2,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
      requestTimeoutMs: 30_000,
    }),
  );
}
