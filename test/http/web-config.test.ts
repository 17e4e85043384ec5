/**
 * Reading the web config file as exporter-toolkit does: TLS files relative
 * to the file, users, headers, rate_limit, and every refusal in one message.
 * No server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBasicAuth } from '../../src/http/basic-auth.js';
import { loadWebConfig, MAX_BCRYPT_COST, parseWebConfig } from '../../src/http/web-config.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';

describe('web config file', () => {
  let certs: TestCertificates;
  let dir: string;
  const hash = bcrypt.hashSync('secret', 4);
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const problemOf = (text: string) => {
    try {
      loadWebConfig(write('bad.yml', text));
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  beforeAll(() => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), 'ecs-events-exporter-web-config-'));
  });
  afterAll(() => {
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the exporter-toolkit example: TLS files, users, headers', () => {
    const config = loadWebConfig(
      write(
        'web.yml',
        [
          'tls_server_config:',
          `  cert_file: ${certs.certFile}`,
          `  key_file: ${certs.keyFile}`,
          '  min_version: TLS13',
          '  curve_preferences: [X25519, CurveP256]',
          'http_server_config:',
          '  http2: true',
          '  headers:',
          '    X-Content-Type-Options: nosniff',
          'basic_auth_users:',
          `  alice: ${hash}`,
          '  bob: $2y$10$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m',
        ].join('\n'),
      ),
    );
    expect(config.tls?.cert).toMatch(/BEGIN CERTIFICATE/);
    expect(config.tls?.key).toMatch(/PRIVATE KEY/);
    expect(config.tls?.minVersion).toBe('TLSv1.3');
    expect(config.tls?.maxVersion).toBe('TLSv1.3');
    expect(config.tls?.ecdhCurve).toBe('X25519:P-256');
    expect(config.tls?.clientAuthType).toBe('NoClientCert');
    expect([...config.users.keys()]).toEqual(['alice', 'bob']);
    expect(config.headers).toEqual({ 'X-Content-Type-Options': 'nosniff' });
  });

  it('resolves files relative to the config file, as the toolkit does', () => {
    writeFileSync(join(dir, 'rel.crt'), 'PEM');
    writeFileSync(join(dir, 'rel.key'), 'KEY');
    const config = loadWebConfig(
      write('relative.yml', 'tls_server_config:\n  cert_file: rel.crt\n  key_file: rel.key\n'),
    );
    expect(config.tls?.cert).toBe('PEM');
  });

  it('treats an empty file, and a TLS section without cert and key, as plain HTTP without auth', () => {
    for (const text of ['', 'tls_server_config: {}\n', 'basic_auth_users:\n']) {
      const config = loadWebConfig(write('empty.yml', text));
      expect(config.tls).toBeUndefined();
      expect(config.users.size).toBe(0);
    }
  });

  it('refuses unknown keys, keys it does not implement and bad values, all in one message', () => {
    const message = problemOf(
      [
        'tls_server_config:',
        `  cert_file: ${certs.certFile}`,
        `  key_file: ${certs.keyFile}`,
        '  cipher_suites: [TLS_AES_128_GCM_SHA256]',
        '  min_version: SSL3',
        'tls_config: {}',
        'rate_limit: { interval: soon, burst: 2 }',
        'basic_auth_users:',
        '  alice: plain-password',
      ].join('\n'),
    );
    expect(message).toContain('bad.yml');
    expect(message).toContain('tls_server_config.cipher_suites is not supported');
    expect(message).toContain('min_version "SSL3" is not one of TLS10, TLS11, TLS12, TLS13');
    expect(message).toContain('unknown key tls_config');
    expect(message).toContain('rate_limit.interval must be a duration');
    expect(message).toContain('basic_auth_users.alice is not a bcrypt hash');
    expect(message).not.toContain('plain-password');
  });

  it('refuses missing files, a lone cert, client CAs without a policy, and bad YAML', () => {
    expect(
      problemOf(
        `tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: ${certs.keyFile}\n`,
      ),
    ).toMatch(/cert_file: cannot read \/nonexistent\.crt: ENOENT/);
    expect(problemOf(`tls_server_config:\n  cert_file: ${certs.certFile}\n`)).toMatch(
      /key_file \(or key\) is required/,
    );
    expect(
      problemOf(
        `tls_server_config:\n  cert_file: ${certs.certFile}\n  key_file: ${certs.keyFile}\n  client_ca_file: ${certs.caFile}\n`,
      ),
    ).toMatch(/client_ca_file is given but client_auth_type is NoClientCert/);
    expect(
      problemOf(
        `tls_server_config:\n  cert_file: ${certs.certFile}\n  key_file: ${certs.keyFile}\n  client_auth_type: RequireAndVerifyClientCert\n`,
      ),
    ).toMatch(/RequireAndVerifyClientCert needs client_ca_file/);
    expect(problemOf('basic_auth_users: [alice]\n')).toMatch(/basic_auth_users must be a mapping/);
    expect(problemOf('a: b: c\n')).toMatch(/not valid YAML/);
    expect(problemOf('basic_auth_users:\n  a: x\n  a: y\n')).toMatch(/not valid YAML/);
    expect(() => loadWebConfig(join(dir, 'missing.yml'))).toThrow(/cannot read it/);
  });

  it('reads rate_limit as the toolkit does: a Go duration and a burst; no interval, no limit', () => {
    const parsed = (text: string) => {
      const problems: string[] = [];
      const config = parseWebConfig(text, dir, problems);
      expect(problems).toEqual([]);
      return config?.rateLimit;
    };
    expect(parsed('rate_limit: { interval: 1m30s, burst: 5 }\n')).toEqual({
      intervalMs: 90_000,
      burst: 5,
    });
    expect(parsed('rate_limit: { interval: 250ms, burst: 0 }\n')).toEqual({
      intervalMs: 250,
      burst: 0,
    });
    expect(parsed('rate_limit: { interval: 0s, burst: 5 }\n')).toBeUndefined();
    expect(parsed('rate_limit: { burst: 5 }\n')).toBeUndefined();
    expect(problemOf('rate_limit: { interval: 1s, burst: -1 }\n')).toMatch(
      /burst must be a whole number/,
    );
    expect(problemOf('rate_limit: { interval: 1s, every: 2 }\n')).toMatch(
      /unknown key rate_limit\.every/,
    );
  });

  it('refuses a bcrypt cost above the maximum, in one line, without the hash', () => {
    const slow = `$2y$${MAX_BCRYPT_COST + 1}$${'a'.repeat(53)}`;
    const message = problemOf(`basic_auth_users:\n  alice: ${slow}\n`);
    expect(message).toMatch(
      new RegExp(
        `basic_auth_users\\.alice: bcrypt cost ${MAX_BCRYPT_COST + 1} is above ${MAX_BCRYPT_COST}`,
      ),
    );
    expect(message).not.toContain(slow);
    expect(message).not.toContain('\n');
    expect(problemOf(`basic_auth_users:\n  alice: $2y$31$${'a'.repeat(53)}\n`)).toMatch(/cost 31/);
    const ok = `$2y$${MAX_BCRYPT_COST}$${'a'.repeat(53)}`;
    const problems: string[] = [];
    expect(parseWebConfig(`basic_auth_users:\n  alice: ${ok}\n`, dir, problems)?.users.size).toBe(
      1,
    );
    expect(problems).toEqual([]);
  });

  it('parses basic-auth headers, and nothing else', () => {
    const header = `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`;
    expect(parseBasicAuth(header)).toEqual({ user: 'alice', password: 'pa:ss' });
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
