/**
 * An AWS SDK error (S3, DynamoDB) in words an operator can act on: the cause
 * first, the error name or network code after it for searching. Shared by
 * the cloud state store and the lease.
 */
import { errorCode as codeOf } from '../sources/kinesis/errors.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
]);

/**
 * `service` names the endpoint variable (`S3`, `DYNAMODB`) in the advice for
 * an endpoint that cannot be reached.
 */
export function explainAwsError(err: unknown, service: 'S3' | 'DYNAMODB'): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'CredentialsProviderError') {
    return `no AWS credentials (${code}): provide them the standard SDK way (environment, shared config files, web identity, container or instance role)`;
  }
  if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'Forbidden') {
    return `access denied (${code}): ${message}`;
  }
  if (
    code === 'InvalidAccessKeyId' ||
    code === 'SignatureDoesNotMatch' ||
    code === 'UnrecognizedClientException' ||
    code === 'ExpiredToken'
  ) {
    return `AWS rejected the credentials (${code}): ${message}`;
  }
  if (code === 'NoSuchBucket') return `the bucket does not exist (${code})`;
  if (code === 'ResourceNotFoundException') return `the table does not exist (${code})`;
  if (UNREACHABLE.has(code)) {
    return `cannot reach the ${service === 'S3' ? 'S3' : 'DynamoDB'} endpoint (${code}): check the region (AWS_REGION), the endpoint (AWS_ENDPOINT_URL_${service}) and the network`;
  }
  return code === 'Unknown' ? message : `${code}: ${message}`;
}
