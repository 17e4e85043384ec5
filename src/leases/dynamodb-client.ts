/**
 * The DynamoDB client of the lease: the exporter's AWS client settings
 * (base/aws-client.ts), endpoint from `AWS_ENDPOINT_URL_DYNAMODB` unless
 * given, and request times short against the lease duration, so a hung call
 * cannot outlast a lease.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, awsClientConfig } from '../base/aws-client.js';

export type DynamoClientOptions = AwsClientOptions;

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(
    awsClientConfig(options, { maxAttempts: 2, connectionTimeoutMs: 2000, requestTimeoutMs: 3000 }),
  );
}
