/**
 * Where to start reading a shard that has no checkpoint.
 */
export type StartPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: Date };

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP=<ISO-8601>` (case-insensitive
 * keywords). Throws an Error that says what is accepted otherwise.
 */
export function parseStartPosition(text: string): StartPosition {
  const trimmed = text.trim();
  const upper = trimmed.toUpperCase();
  if (upper === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
  if (upper === 'LATEST') return { type: 'LATEST' };
  if (upper.startsWith('AT_TIMESTAMP=')) {
    const value = trimmed.slice('AT_TIMESTAMP='.length).trim();
    const timestamp = new Date(value);
    if (!ISO_8601.test(value) || Number.isNaN(timestamp.getTime())) {
      throw new Error(
        `invalid start position "${text}": the timestamp after AT_TIMESTAMP= must be an ISO-8601 date-time such as 2024-05-01T12:00:00Z`,
      );
    }
    return { type: 'AT_TIMESTAMP', timestamp };
  }
  throw new Error(
    `invalid start position "${text}": expected TRIM_HORIZON, LATEST or AT_TIMESTAMP=<ISO-8601 date-time>`,
  );
}

/** The text form parseStartPosition accepts, for logs and messages. */
export function formatStartPosition(position: StartPosition): string {
  return position.type === 'AT_TIMESTAMP'
    ? `AT_TIMESTAMP=${position.timestamp.toISOString()}`
    : position.type;
}
