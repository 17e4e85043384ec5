/**
 * AWS SDK errors in words: a bounded code for labels and logs, the message,
 * the host of a network error, and the wording an operator can act on. Shared
 * by the Kinesis source, the cloud state store and the lease.
 */

/** A bounded label value for an error: the AWS error name or a Node network code. */
export function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Unknown';
  const { name, code } = err as { name?: unknown; code?: unknown };
  if (typeof code === 'string' && /^E[A-Z_]{2,40}$/.test(code)) return code;
  if (typeof name === 'string' && name !== 'Error' && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name)) {
    return name;
  }
  return 'Unknown';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The host (and port) a network error was about, when Node says. */
export function errorHost(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { hostname, address, port } = err as {
    hostname?: unknown;
    address?: unknown;
    port?: unknown;
  };
  const host =
    typeof hostname === 'string' ? hostname : typeof address === 'string' ? address : undefined;
  if (host === undefined) return undefined;
  return typeof port === 'number' ? `${host}:${port}` : host;
}

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
  const code = errorCode(err);
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
