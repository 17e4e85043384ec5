/**
 * HTTP basic authentication against bcrypt hashes (`basic_auth_users` of the
 * web configuration). Every path needs it except the open ones (/healthz and
 * /readyz, so that orchestrator probes work without credentials).
 *
 * bcrypt is slow on purpose (cost 10 is tens of milliseconds of CPU, in pure
 * JavaScript here, done asynchronously so other requests interleave); as in
 * the exporter toolkit, the outcome for a user, hash and password is cached,
 * so a scraper that sends the same credentials every 15 s pays once. An
 * unknown user is checked against a dummy hash, so the answer takes as long
 * as for a known one.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type express from 'express';

export const REALM = 'ecs-events-exporter';

/** Paths answered without credentials. */
export const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz'];

/** Cached outcomes at most; the cache is emptied when it is full. */
const CACHE_LIMIT = 1024;

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** User and password of an `Authorization: Basic …` header; undefined when there is none or it is malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Checks credentials against `users` (user → bcrypt hash), with the cache described above. */
export function createAuthenticator(
  users: ReadonlyMap<string, string>,
): (credentials: Credentials) => Promise<boolean> {
  const cache = new Map<string, boolean>();
  // Compared with when the user is unknown: an unguessable password at the users' cost.
  const rounds = Math.min(12, Math.max(4, ...[...users.values()].map((h) => bcrypt.getRounds(h))));
  const dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), rounds);
  return async ({ user, password }) => {
    const hash = users.get(user);
    const key = createHash('sha256')
      .update(user)
      .update('\0')
      .update(hash ?? '')
      .update('\0')
      .update(password)
      .digest('hex');
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const matches = await bcrypt.compare(password, hash ?? dummyHash);
    const ok = hash !== undefined && matches;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, ok);
    return ok;
  };
}

/** Middleware: 401 with a `WWW-Authenticate` challenge unless the path is open or the credentials match. */
export function requireBasicAuth(users: ReadonlyMap<string, string>): express.RequestHandler {
  const authenticate = createAuthenticator(users);
  return (req, res, next) => {
    // Only the exact open paths (as routed: any case, a trailing slash) skip the check.
    const path = req.path.toLowerCase().replace(/\/+$/, '');
    if (OPEN_PATHS.includes(path)) {
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
      (ok) => (ok ? next() : challenge()),
      (err: unknown) => next(err),
    );
  };
}
