/**
 * HTTP basic authentication against bcrypt hashes (`basic_auth_users` of the
 * web configuration). Every path needs it except the open ones (/healthz and
 * /readyz, so that orchestrator probes work without credentials).
 *
 * bcrypt is slow on purpose (cost 10 is tens of milliseconds of CPU), so what
 * a stranger can make it cost is bounded: comparisons run in a worker thread
 * one at a time with a short queue, and past the queue the answer is 429 at
 * once (bcrypt-pool.ts). As in the exporter toolkit the outcome is cached, but
 * only successes: a flood of random wrong passwords cannot push the
 * scraper's entry out, so a scraper that sends the same credentials every
 * 15 s pays once and is never queued behind the flood. An unknown user is
 * compared against a dummy hash of the users' cost, so the answer takes as
 * long as for a known one.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type express from 'express';
import { BcryptPool } from './bcrypt-pool.js';

export const REALM = 'ecs-events-exporter';

/** Paths answered without credentials. */
export const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz'];

export const AUTH_LIMITS = {
  /** Comparisons waiting behind the running one; past this: 429. */
  queue: 4,
  /** Successful logins remembered (user, hash and password); the oldest goes first. */
  cachedSuccesses: 64,
} as const;

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export type AuthOutcome = 'ok' | 'denied' | 'busy';

/**
 * Whether `path` (as Express routes it: any case, one trailing slash) is one
 * of the open paths. Compared character by character: no regular expression
 * whose cost grows with the path.
 */
export function isOpenPath(path: string): boolean {
  const trimmed = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path;
  return OPEN_PATHS.some(
    (open) => open.length === trimmed.length && open === trimmed.toLowerCase(),
  );
}

/** User and password of an `Authorization: Basic …` header; undefined when there is none or it is malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const token = header.slice(space + 1).trim();
  if (token === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface Authenticator {
  (credentials: Credentials): Promise<AuthOutcome>;
  /** The cost of the hash an unknown user is compared against. */
  readonly dummyCost: number;
  close(): Promise<void>;
}

/** Checks credentials against `users` (user → bcrypt hash) as described above. */
export function createAuthenticator(users: ReadonlyMap<string, string>): Authenticator {
  const pool = new BcryptPool({ queueLimit: AUTH_LIMITS.queue });
  const successes = new Set<string>();
  // The web config refuses costs above MAX_BCRYPT_COST, so this is as slow as any user's.
  const dummyCost = Math.max(4, ...[...users.values()].map((h) => bcrypt.getRounds(h)));
  const dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), dummyCost);
  const authenticate = async ({ user, password }: Credentials): Promise<AuthOutcome> => {
    const hash = users.get(user);
    const key = createHash('sha256')
      .update(user)
      .update('\0')
      .update(hash ?? '')
      .update('\0')
      .update(password)
      .digest('hex');
    if (successes.has(key)) return 'ok';
    const compared = pool.compare(password, hash ?? dummyHash);
    if (compared === 'busy') return 'busy';
    const ok = (await compared) && hash !== undefined;
    if (!ok) return 'denied';
    if (successes.size >= AUTH_LIMITS.cachedSuccesses) {
      successes.delete(successes.values().next().value as string);
    }
    successes.add(key);
    return 'ok';
  };
  return Object.assign(authenticate, { dummyCost, close: () => pool.close() });
}

/** Middleware: 401 with a `WWW-Authenticate` challenge unless the path is open or the credentials match; 429 when comparisons are queued full. */
export function requireBasicAuth(authenticate: Authenticator): express.RequestHandler {
  return (req, res, next) => {
    if (isOpenPath(req.path)) {
      next();
      return;
    }
    const credentials = parseBasicAuth(req.get('authorization'));
    const challenge = () => {
      res
        .status(401)
        .set('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`)
        .type('text')
        .send('Unauthorized\n');
    };
    if (credentials === undefined) {
      challenge();
      return;
    }
    authenticate(credentials).then(
      (outcome) => {
        if (outcome === 'ok') next();
        else if (outcome === 'busy') {
          res.status(429).set('Retry-After', '1').type('text').send('Too Many Requests\n');
        } else challenge();
      },
      (err: unknown) => next(err),
    );
  };
}
