/**
 * What /healthz and /readyz tell a client without credentials when a web
 * config is on: the verdict and a short generic cause, built only from the
 * fixed phrases below. The full reason carries AWS's own message (account id,
 * role ARN, bucket, stream, state path, the lease holder's host name); it goes
 * to the logs and to the authenticated /status endpoint, never here.
 *
 * The full reason is several checks' reasons joined by "; " (and a reason may
 * hold "; " itself): each piece that starts a known check opens an item, the
 * pieces after it add to it, and an item shows as its subject and the first
 * cause found in its text. Whatever the text holds, the answer is made of
 * these phrases and nothing else.
 */

/** A check's subject, recognised by how its reason starts. */
const SUBJECTS: readonly { readonly start: RegExp; readonly says: string }[] = [
  { start: /^saving the state/i, says: 'the state cannot be saved' },
  { start: /^standby cannot read the lease/i, says: 'the lease cannot be read' },
  { start: /^standby/i, says: 'standby: another replica holds the lease' },
  { start: /^Kinesis source (not started|stopped)/i, says: 'the Kinesis source is not running' },
  { start: /^no shard reader made progress/i, says: 'reading the Kinesis stream has stalled' },
  {
    start: /^\d+ of \d+ open shards|^shards of stream|^stream \S+ has no open shards/i,
    says: 'the Kinesis stream is not read to its end yet',
  },
  {
    start:
      /^(access denied|no AWS credentials|AWS rejected|cannot reach the Kinesis|throttled|stream \S+ not found|cannot (list|read|get))/i,
    says: 'the Kinesis stream cannot be read',
  },
  { start: /^reading .* failed/i, says: 'the input cannot be read' },
  { start: /not read to its end yet$/i, says: 'the input is not read to its end yet' },
];

/** Causes, most specific first: AWS's message may hold words of the later ones. */
const CAUSES: readonly { readonly found: RegExp; readonly says: string }[] = [
  { found: /access denied|AccessDenied|not authorized/i, says: 'access denied' },
  { found: /no AWS credentials/i, says: 'no AWS credentials' },
  { found: /rejected the credentials/i, says: 'AWS rejected the credentials' },
  { found: /cannot reach/i, says: 'the AWS endpoint cannot be reached' },
  { found: /throttled/i, says: 'throttled by AWS' },
  { found: /does not exist|not found|NoSuchBucket/i, says: 'not found' },
  { found: /has not finished after/i, says: 'taking too long' },
  {
    found: /permission denied|read-only file system|no space left/i,
    says: 'the file system refuses it',
  },
];

/** The verdict's text for a stranger: `every check passes`, or what fails in the fixed phrases above. */
export function publicReason(ok: boolean, reason: string): string {
  if (ok) return 'every check passes';
  const items: { says: string; text: string }[] = [];
  for (const piece of reason.split('; ')) {
    const subject = SUBJECTS.find((s) => s.start.test(piece.trim()));
    if (subject !== undefined) items.push({ says: subject.says, text: piece });
    else if (items.length > 0) (items.at(-1) as { text: string }).text += `; ${piece}`;
  }
  const shown = new Set<string>();
  for (const { says, text } of items) {
    const cause = CAUSES.find((c) => c.found.test(text));
    shown.add(cause === undefined ? says : `${says}: ${cause.says}`);
  }
  if (shown.size === 0) return 'see the logs or the authenticated /status';
  return [...shown].join('; ');
}
