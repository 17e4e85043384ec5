/**
 * The web configuration file that Prometheus exporters share (the format of
 * the Prometheus exporter toolkit, `--web.config.file` there): TLS for the
 * server and basic-auth users with bcrypt hashes.
 *
 *   tls_server_config:        # absent, or no cert and no key: plain HTTP
 *     cert_file | cert        # PEM, a file or inline
 *     key_file | key
 *     client_ca_file | client_ca
 *     client_auth_type        # NoClientCert (default) … RequireAndVerifyClientCert
 *     min_version, max_version   # TLS10 … TLS13 (default TLS12 … TLS13)
 *     prefer_server_cipher_suites, curve_preferences
 *   http_server_config:
 *     http2                   # accepted; HTTP/1.1 is served either way
 *     headers                 # the five response headers the format names
 *   basic_auth_users: { user: bcrypt hash }   # empty or absent: no auth;
 *                           # cost at most MAX_BCRYPT_COST
 *   rate_limit:               # absent or interval 0: no limit
 *     interval                # a Go duration: one more request allowed per interval
 *     burst                   # requests allowed at once
 *
 * Read once at start (restart to pick up a new certificate). Files are
 * relative to the configuration file's directory, as in the toolkit. Keys the
 * format has but this server does not implement (`cipher_suites`,
 * `client_allowed_sans`) are refused by name rather than
 * ignored, and so is any unknown key: a security setting that is silently
 * dropped is worse than a start that stops.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SecureVersion, TLSSocket, TlsOptions } from 'node:tls';
import { parseDocument } from 'yaml';
import { parseGoDuration, type RateLimitSettings } from './rate-limit.js';

export type ClientAuthType =
  | 'NoClientCert'
  | 'RequestClientCert'
  | 'RequireAnyClientCert'
  | 'VerifyClientCertIfGiven'
  | 'RequireAndVerifyClientCert';

const CLIENT_AUTH_TYPES: readonly ClientAuthType[] = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
];

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

/** The toolkit's curve names (Go's) → OpenSSL's. */
const CURVES: Readonly<Record<string, string>> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/** The response headers `http_server_config.headers` may set. */
const HEADERS = [
  'Content-Security-Policy',
  'X-Frame-Options',
  'X-Content-Type-Options',
  'X-XSS-Protection',
  'Strict-Transport-Security',
] as const;

/** A bcrypt hash as htpasswd -B, Go's x/crypto/bcrypt and bcryptjs write it. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * The highest bcrypt cost accepted. Each step doubles the work: cost 12 is
 * about a third of a second of CPU per login here, cost 31 is days, and every
 * first login (and every wrong password) pays it.
 */
export const MAX_BCRYPT_COST = 12;

export interface TlsSettings {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string | undefined;
  readonly clientAuthType: ClientAuthType;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly honorCipherOrder: boolean;
  /** OpenSSL curve list (`ecdhCurve`); undefined: Node's default. */
  readonly ecdhCurve: string | undefined;
}

export interface WebConfig {
  /** Undefined: plain HTTP. */
  readonly tls: TlsSettings | undefined;
  /** User name → bcrypt hash; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** Response headers set on every answer. */
  readonly headers: Readonly<Record<string, string>>;
  /** `rate_limit`; undefined: no limit. */
  readonly rateLimit: RateLimitSettings | undefined;
}

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'];
const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_ca_file',
  'client_auth_type',
  'min_version',
  'max_version',
  'prefer_server_cipher_suites',
  'curve_preferences',
];
const HTTP_KEYS = ['http2', 'headers'];
const UNSUPPORTED: Readonly<Record<string, string>> = {
  'tls_server_config.cipher_suites':
    'tls_server_config.cipher_suites is not supported by this exporter (OpenSSL defaults are used)',
  'tls_server_config.client_allowed_sans':
    'tls_server_config.client_allowed_sans is not supported by this exporter',
};

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks the file; throws one Error naming the file and every problem found. */
export function loadWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`web config ${path}: cannot read it: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const config = parseWebConfig(text, dirname(resolve(path)), problems);
  if (config === undefined || problems.length > 0) {
    throw new Error(`web config ${path}: ${problems.join('; ')}`);
  }
  return config;
}

/** Checks the text of a web config; problems are pushed onto `problems`. */
export function parseWebConfig(
  text: string,
  directory: string,
  problems: string[],
): WebConfig | undefined {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    problems.push(`not valid YAML: ${document.errors[0]?.message.split('\n')[0]}`);
    return undefined;
  }
  const root: unknown = document.toJS() ?? {};
  if (!isMapping(root)) {
    problems.push('must be a mapping of tls_server_config, http_server_config, basic_auth_users');
    return undefined;
  }
  checkKeys(root, TOP_KEYS, '', problems);
  const tls = readTls(root.tls_server_config, directory, problems);
  const users = readUsers(root.basic_auth_users, problems);
  const headers = readHttp(root.http_server_config, problems);
  const rateLimit = readRateLimit(root.rate_limit, problems);
  return { tls, users, headers, rateLimit };
}

function checkKeys(mapping: Mapping, known: readonly string[], prefix: string, out: string[]) {
  for (const key of Object.keys(mapping)) {
    if (known.includes(key)) continue;
    const unsupported = UNSUPPORTED[`${prefix}${key}`];
    out.push(unsupported ?? `unknown key ${prefix}${key}`);
  }
}

function optionalString(mapping: Mapping, key: string, prefix: string, out: string[]) {
  const value = mapping[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    out.push(`${prefix}${key} must be a non-empty string`);
    return undefined;
  }
  return value;
}

/** PEM text from `inline` or from `file` (relative to the config's directory). */
function pem(
  mapping: Mapping,
  inline: string,
  file: string,
  directory: string,
  out: string[],
): string | undefined {
  const prefix = 'tls_server_config.';
  const text = optionalString(mapping, inline, prefix, out);
  const path = optionalString(mapping, file, prefix, out);
  if (text !== undefined && path !== undefined) {
    out.push(`${prefix}${inline} and ${prefix}${file}: give one of them`);
    return undefined;
  }
  if (path === undefined) return text;
  const full = resolve(directory, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    out.push(`${prefix}${file}: cannot read ${full}: ${(err as NodeJS.ErrnoException).code}`);
    return undefined;
  }
}

function readTls(value: unknown, directory: string, out: string[]): TlsSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const prefix = 'tls_server_config.';
  if (!isMapping(value)) {
    out.push('tls_server_config must be a mapping');
    return undefined;
  }
  checkKeys(value, TLS_KEYS, prefix, out);
  const before = out.length;
  const cert = pem(value, 'cert', 'cert_file', directory, out);
  const key = pem(value, 'key', 'key_file', directory, out);
  const clientCa = pem(value, 'client_ca', 'client_ca_file', directory, out);
  if (out.length > before) return undefined;
  const others = Object.keys(value).filter(
    (k) => !['cert', 'key', 'cert_file', 'key_file'].includes(k),
  );
  // As in the toolkit: a TLS section without a certificate and a key means plain HTTP.
  if (cert === undefined && key === undefined && others.length === 0) return undefined;
  if (cert === undefined) out.push(`${prefix}cert_file (or cert) is required for TLS`);
  if (key === undefined) out.push(`${prefix}key_file (or key) is required for TLS`);

  const authText = optionalString(value, 'client_auth_type', prefix, out) ?? 'NoClientCert';
  let clientAuthType: ClientAuthType = 'NoClientCert';
  if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(authText)) {
    out.push(
      `${prefix}client_auth_type "${authText}" is not one of ${CLIENT_AUTH_TYPES.join(', ')}`,
    );
  } else {
    clientAuthType = authText as ClientAuthType;
  }
  if (clientCa !== undefined && clientAuthType === 'NoClientCert') {
    out.push(`${prefix}client_ca_file is given but client_auth_type is NoClientCert`);
  }
  if (
    clientCa === undefined &&
    (clientAuthType === 'VerifyClientCertIfGiven' ||
      clientAuthType === 'RequireAndVerifyClientCert')
  ) {
    out.push(`${prefix}client_auth_type ${clientAuthType} needs client_ca_file`);
  }
  const version = (name: string, fallback: SecureVersion): SecureVersion => {
    const text = optionalString(value, name, prefix, out);
    if (text === undefined) return fallback;
    const v = TLS_VERSIONS[text];
    if (v === undefined) {
      out.push(`${prefix}${name} "${text}" is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
      return fallback;
    }
    return v;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (minVersion > maxVersion) out.push(`${prefix}min_version is above max_version`);
  const prefer = value.prefer_server_cipher_suites ?? true;
  if (typeof prefer !== 'boolean') {
    out.push(`${prefix}prefer_server_cipher_suites must be true or false`);
  }
  let ecdhCurve: string | undefined;
  const curves = value.curve_preferences;
  if (curves !== undefined && curves !== null) {
    if (!Array.isArray(curves) || curves.some((c) => CURVES[String(c)] === undefined)) {
      out.push(`${prefix}curve_preferences must be a list of ${Object.keys(CURVES).join(', ')}`);
    } else if (curves.length > 0) {
      ecdhCurve = curves.map((c) => CURVES[String(c)]).join(':');
    }
  }
  if (cert === undefined || key === undefined) return undefined;
  return {
    cert,
    key,
    clientCa,
    clientAuthType,
    minVersion,
    maxVersion,
    honorCipherOrder: prefer === true,
    ecdhCurve,
  };
}

function readUsers(value: unknown, out: string[]): Map<string, string> {
  const users = new Map<string, string>();
  if (value === undefined || value === null) return users;
  if (!isMapping(value)) {
    out.push('basic_auth_users must be a mapping of user names to bcrypt hashes');
    return users;
  }
  for (const [user, hash] of Object.entries(value)) {
    if (user === '' || user.includes(':')) {
      out.push(`basic_auth_users: "${user}" is not a user name (empty, or has a colon)`);
    } else if (typeof hash !== 'string' || !BCRYPT.test(hash)) {
      // The value is a secret: never echoed.
      out.push(`basic_auth_users.${user} is not a bcrypt hash (like $2y$10$ and 53 characters)`);
    } else if (Number(hash.slice(4, 6)) > MAX_BCRYPT_COST) {
      out.push(
        `basic_auth_users.${user}: bcrypt cost ${Number(hash.slice(4, 6))} is above ${MAX_BCRYPT_COST} (every login would take seconds of CPU or more); hash it again with a lower cost`,
      );
    } else {
      users.set(user, hash);
    }
  }
  return users;
}

function readRateLimit(value: unknown, out: string[]): RateLimitSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const prefix = 'rate_limit.';
  if (!isMapping(value)) {
    out.push('rate_limit must be a mapping of interval and burst');
    return undefined;
  }
  checkKeys(value, ['interval', 'burst'], prefix, out);
  const interval = value.interval ?? '0';
  const intervalMs = typeof interval === 'string' ? parseGoDuration(interval) : undefined;
  if (intervalMs === undefined) {
    out.push(`${prefix}interval must be a duration like 1s or 250ms`);
    return undefined;
  }
  const burst = value.burst ?? 0;
  if (typeof burst !== 'number' || !Number.isSafeInteger(burst) || burst < 0) {
    out.push(`${prefix}burst must be a whole number, 0 or more`);
    return undefined;
  }
  // As in the toolkit: no interval, no limit.
  return intervalMs === 0 ? undefined : { intervalMs, burst };
}

function readHttp(value: unknown, out: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value === null) return headers;
  const prefix = 'http_server_config.';
  if (!isMapping(value)) {
    out.push('http_server_config must be a mapping');
    return headers;
  }
  checkKeys(value, HTTP_KEYS, prefix, out);
  if (value.http2 !== undefined && typeof value.http2 !== 'boolean') {
    out.push(`${prefix}http2 must be true or false`);
  }
  const given = value.headers;
  if (given === undefined || given === null) return headers;
  if (!isMapping(given)) {
    out.push(`${prefix}headers must be a mapping`);
    return headers;
  }
  for (const [name, text] of Object.entries(given)) {
    const known = HEADERS.find((h) => h.toLowerCase() === name.toLowerCase());
    if (known === undefined) {
      out.push(`${prefix}headers: "${name}" is not one of ${HEADERS.join(', ')}`);
    } else if (typeof text !== 'string') {
      out.push(`${prefix}headers.${name} must be a string`);
    } else if (text !== '') {
      headers[known] = text;
    }
  }
  return headers;
}

/** Node TLS server options of the settings. */
export function tlsServerOptions(tls: TlsSettings): TlsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }),
    requestCert: tls.clientAuthType !== 'NoClientCert',
    // Node either verifies and requires a certificate or neither; the two
    // policies in between are checked by clientCertificateAccepted.
    rejectUnauthorized: tls.clientAuthType === 'RequireAndVerifyClientCert',
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.honorCipherOrder,
    ...(tls.ecdhCurve === undefined ? {} : { ecdhCurve: tls.ecdhCurve }),
  };
}

/** Whether a connection that finished its handshake meets the client certificate policy. */
export function clientCertificateAccepted(policy: ClientAuthType, socket: TLSSocket): boolean {
  const given = Object.keys(socket.getPeerCertificate()).length > 0;
  switch (policy) {
    case 'RequireAnyClientCert':
      return given;
    case 'VerifyClientCertIfGiven':
      return !given || socket.authorized;
    case 'RequireAndVerifyClientCert':
      return given && socket.authorized;
    default:
      return true;
  }
}
