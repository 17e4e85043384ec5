/**
 * The S3 client of the state store: the exporter's AWS client settings
 * (base/aws-client.ts), endpoint from `AWS_ENDPOINT_URL_S3` unless given. An
 * endpoint given here (a local S3-API server) is addressed path-style.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { type AwsClientOptions, awsClientConfig } from '../base/aws-client.js';

export type S3ClientOptions = AwsClientOptions;

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    ...awsClientConfig(options, {
      maxAttempts: 3,
      connectionTimeoutMs: 5000,
      requestTimeoutMs: 20_000,
    }),
    ...(options.endpoint === undefined ? {} : { forcePathStyle: true }),
  });
}
