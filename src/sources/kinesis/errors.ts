/**
 * How the Kinesis source sorts errors: which to back off on, which mean a new
 * iterator, which mean the stream is missing or access is denied.
 */
import { errorCode } from '../../base/aws-error.js';

export type ErrorKind =
  | 'throttled'
  | 'expired-iterator'
  | 'not-found'
  | 'access-denied'
  | 'no-credentials'
  | 'credentials-rejected'
  | 'unreachable'
  | 'invalid-argument'
  | 'aborted'
  | 'transient';

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'TooManyRequestsException',
]);

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
]);

/** AWS does not accept the credentials: unknown key, bad secret, expired session. */
const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
]);

/** The endpoint's host cannot be resolved or reached: a wrong region or endpoint, or no network. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Problems of configuration rather than of the moment: named as such, logged without a stack. */
export const CONFIGURATION_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'not-found',
  'access-denied',
  'no-credentials',
  'credentials-rejected',
  'unreachable',
]);

export function classifyError(err: unknown): ErrorKind {
  const code = errorCode(err);
  if (code === 'AbortError') return 'aborted';
  if (THROTTLED.has(code)) return 'throttled';
  if (code === 'ExpiredIteratorException') return 'expired-iterator';
  if (code === 'ResourceNotFoundException') return 'not-found';
  if (ACCESS_DENIED.has(code)) return 'access-denied';
  if (code === 'CredentialsProviderError') return 'no-credentials';
  if (CREDENTIALS_REJECTED.has(code)) return 'credentials-rejected';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (code === 'InvalidArgumentException') return 'invalid-argument';
  return 'transient';
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)]. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
