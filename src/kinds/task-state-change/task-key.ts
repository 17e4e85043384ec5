/**
 * How a task is keyed in the tracker: by the id its ARN ends in (32 hex
 * digits, or a dashed UUID in the old format), checked against a hash of the
 * rest of the ARN. Half the memory of the whole ARN, and another ARN with the
 * same id is still another task (it is then keyed by its whole ARN).
 */
/** Longest ARN kept as it is in a key; longer ones (never real) are cut and hashed. */
const MAX_PLAIN_ARN = 256;

/** A 32-bit hash of `text[0, end)` (one lane of cyrb53): cheap enough for every record. */
function hash32(text: string, end: number): number {
  let h = 0xdeadbeef;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 2654435761);
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  return (h ^ Math.imul(h ^ (h >>> 13), 3266489909)) >>> 0;
}

/**
 * The key of a task whose ARN does not end in a task id, or that shares its
 * id with another ARN: the whole ARN behind a `/` (an id never contains one),
 * cut and hashed when it is longer than an ARN ever is.
 */
export function wholeKey(taskArn: string): string {
  return taskArn.length <= MAX_PLAIN_ARN
    ? `/${taskArn}`
    : `/${taskArn.slice(0, MAX_PLAIN_ARN)}#${hash32(taskArn, taskArn.length).toString(36)}`;
}

/** A copy of `key` that holds no reference to the longer string it was sliced from. */
export function ownedCopy(key: string): string {
  // UTF-16 round trip: exact for any string, lone surrogates included.
  return Buffer.from(key, 'utf16le').toString('utf16le');
}

/**
 * The id a task ARN ends in: what follows its last `/` (the whole text when
 * it has none). The one place a task id is read from an ARN: keys,
 * exemplars and the failures page all take it from here.
 */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

/** The id key of a task ARN and its check, or undefined when the ARN does not end in an id. */
export function idKey(taskArn: string): { key: string; check: number } | undefined {
  const id = taskIdOf(taskArn);
  const slash = taskArn.length - id.length - 1;
  if (slash === -1 || (id.length !== 32 && id.length !== 36)) return undefined;
  return { key: id, check: hash32(taskArn, slash) };
}
