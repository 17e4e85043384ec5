/**
 * The exporter's port on a shared network: one client holding hundreds of
 * slow sockets, paths of 16,000 slashes, a flood of wrong passwords. Probes
 * and scrapes from another address must keep being served. All on loopback:
 * the attacker on 127.0.0.1, the probe from 127.0.0.2 (every 127.x.x.x is
 * this machine on Linux), bounded in count and time.
 */
import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, isOpenPath } from '../../src/http/basic-auth.js';
import { budgetKey, ConnectionBudget } from '../../src/http/connection-budget.js';
import { HTTP_LIMITS, type RunningServer, startServer } from '../../src/http/server.js';
import type { WebConfig } from '../../src/http/web-config.js';
import { fixtureLine, freshCore, silentLogger } from '../helpers/exposition.js';

/** The liveness probe's default timeout (Kubernetes): a probe slower than this fails. */
const PROBE_BUDGET_MS = 1000;
const PASSWORD = 's3cret';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** One GET on a fresh connection from `localAddress`; rejects after the probe budget. */
function getFrom(
  url: string,
  localAddress: string,
  headers: Record<string, string> = {},
  timeoutMs = PROBE_BUDGET_MS,
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Probes /healthz from 127.0.0.2 every 50 ms until `until` resolves; every probe's outcome. */
async function probeDuring(
  url: string,
  until: Promise<unknown>,
): Promise<{ ok: number; failed: string[]; ms: number[] }> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const failed: string[] = [];
  const ms: number[] = [];
  let ok = 0;
  while (!done) {
    try {
      const reply = await getFrom(`${url}/healthz`, '127.0.0.2');
      ms.push(reply.ms);
      if (reply.status === 200) ok += 1;
      else failed.push(`status ${reply.status}`);
    } catch (err) {
      failed.push((err as Error).message);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ok, failed, ms };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(web?: WebConfig): Promise<RunningServer> {
  const core = freshCore();
  core.pipeline.handle(fixtureLine('task-stopped-oom.json'));
  return startServer(
    {
      render: (format, onChunk, keep) => core.render(format, onChunk, keep),
      health: () => ({ ok: true, reason: 'reading' }),
      readiness: () => ({ ok: true, reason: 'ready' }),
    },
    { host: '127.0.0.1', port: 0 },
    silentLogger,
    web,
  );
}

function authConfig(extra: Partial<WebConfig> = {}): WebConfig {
  return {
    tls: undefined,
    users: new Map([['prometheus', bcrypt.hashSync(PASSWORD, 10)]]),
    headers: {},
    rateLimit: undefined,
    ...extra,
  };
}

describe('slow connections from one address', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await serve();
  });
  afterAll(async () => {
    await server.close();
  });

  it('leave /healthz from another address answering while 300 sockets send a byte a second', async () => {
    const port = server.address.port;
    let attacking = true;
    let opened = 0;
    const sockets = new Set<Socket>();
    // Each slot reconnects as soon as its socket is closed, as a slowloris does.
    const slot = async () => {
      while (attacking) {
        await new Promise<void>((resolve) => {
          const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' });
          sockets.add(socket);
          opened += 1;
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            resolve();
          });
          const header = 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ';
          let i = 0;
          const drip = setInterval(() => {
            if (!attacking || socket.destroyed) {
              clearInterval(drip);
              socket.destroy();
              return;
            }
            socket.write(header[i] ?? 'a');
            i += 1;
          }, 1000);
        });
        await sleep(20);
      }
    };
    const slots = Array.from({ length: 300 }, slot);
    const attack = sleep(7000);
    // Wait for the attack to hold its budget before probing.
    await sleep(1000);
    const probes = await probeDuring(server.url, attack);
    attacking = false;
    for (const s of sockets) s.destroy();
    await Promise.all(slots);
    expect(opened).toBeGreaterThan(300);
    expect(probes.failed).toEqual([]);
    expect(probes.ok).toBeGreaterThan(20);
  }, 30_000);

  it('refuses a connection past the budget of its address, and serves another address', async () => {
    const port = server.address.port;
    const held = await Promise.all(
      Array.from(
        { length: HTTP_LIMITS.maxConnectionsPerAddress },
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' }, () =>
              resolve(s),
            );
          }),
      ),
    );
    try {
      await sleep(100);
      await expect(getFrom(`${server.url}/healthz`, '127.0.0.1')).rejects.toThrow();
      expect((await getFrom(`${server.url}/healthz`, '127.0.0.2')).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
    }
    await sleep(100);
    expect((await getFrom(`${server.url}/healthz`, '127.0.0.1')).status).toBe(200);
  });
});

describe('paths of 16,000 slashes with basic auth on', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await serve(authConfig());
  });
  afterAll(async () => {
    await server.close();
  });

  it('are matched against the open paths exactly: any case, one trailing slash', () => {
    expect(isOpenPath('/healthz')).toBe(true);
    expect(isOpenPath('/READYZ/')).toBe(true);
    expect(isOpenPath('/healthz//')).toBe(false);
    expect(isOpenPath(`/healthz${'/'.repeat(16_000)}`)).toBe(false);
    expect(isOpenPath(`/${'/'.repeat(16_000)}x`)).toBe(false);
    expect(isOpenPath('/healthzz')).toBe(false);
    expect(isOpenPath('/metrics')).toBe(false);
  });

  it('are refused, and leave /healthz answering while eight connections send them', async () => {
    // Past the header limit Node's parser answers 431 before any JavaScript; past the URL limit, 414 before routing.
    const path = `/${'/'.repeat(16_000)}x`;
    expect((await getFrom(`${server.url}${path}`, '127.0.0.1')).status).toBe(431);
    expect((await getFrom(`${server.url}/healthz${'/'.repeat(16_000)}`, '127.0.0.1')).status).toBe(
      431,
    );
    expect((await getFrom(`${server.url}/healthz${'/'.repeat(2000)}`, '127.0.0.1')).status).toBe(
      414,
    );
    expect((await getFrom(`${server.url}/${'/'.repeat(500)}x`, '127.0.0.1')).status).toBe(401);
    let attacking = true;
    let sent = 0;
    const attackers = Array.from({ length: 8 }, async () => {
      while (attacking) {
        await getFrom(`${server.url}${path}`, '127.0.0.1', {}, 5000).catch(() => undefined);
        sent += 1;
      }
    });
    const probes = await probeDuring(server.url, sleep(3000));
    attacking = false;
    await Promise.all(attackers);
    // Connections past the address's budget are held unread: the attack is slowed, not served.
    expect(sent).toBeGreaterThan(10);
    expect(probes.failed).toEqual([]);
  }, 20_000);
});

describe('a flood of wrong passwords', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await serve(authConfig());
  });
  afterAll(async () => {
    await server.close();
  });

  it('is answered 401 or 429 while the scrape with the right password and /healthz are served', async () => {
    const scrape = () =>
      getFrom(
        `${server.url}/metrics`,
        '127.0.0.2',
        { Authorization: basic('prometheus', PASSWORD) },
        PROBE_BUDGET_MS,
      );
    // The scraper logs in once before the flood; its success is remembered.
    expect(
      (
        await getFrom(
          `${server.url}/metrics`,
          '127.0.0.2',
          { Authorization: basic('prometheus', PASSWORD) },
          5000,
        )
      ).status,
    ).toBe(200);
    let attacking = true;
    const statuses: Record<number, number> = {};
    const attackers = Array.from({ length: 16 }, async (_, i) => {
      let n = 0;
      while (attacking) {
        n += 1;
        // Known and unknown users, a new password each time: nothing to cache.
        const user = i % 2 === 0 ? 'prometheus' : `nobody-${i}`;
        const reply = await getFrom(
          `${server.url}/metrics`,
          '127.0.0.1',
          { Authorization: basic(user, `wrong-${i}-${n}`) },
          10_000,
        ).catch(() => undefined);
        if (reply !== undefined) statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      }
    });
    const flood = sleep(4000);
    const scrapes: number[] = [];
    const scraping = (async () => {
      await sleep(300);
      while (attacking) {
        scrapes.push((await scrape()).status);
        await sleep(200);
      }
    })();
    const probes = await probeDuring(server.url, flood);
    attacking = false;
    await Promise.all([...attackers, scraping]);
    expect(probes.failed).toEqual([]);
    expect(scrapes.length).toBeGreaterThan(5);
    expect(scrapes.every((s) => s === 200)).toBe(true);
    // Only 401 and 429: comparisons past the short queue are refused, not queued.
    expect(Object.keys(statuses).sort()).toEqual(['401', '429']);
  }, 30_000);

  it('compares an unknown user against a dummy hash of the users’ cost', async () => {
    const authenticate = createAuthenticator(
      new Map([['prometheus', bcrypt.hashSync(PASSWORD, 6)]]),
    );
    try {
      expect(authenticate.dummyCost).toBe(6);
      expect(await authenticate({ user: 'nobody', password: PASSWORD })).toBe('denied');
      expect(await authenticate({ user: 'prometheus', password: 'wrong' })).toBe('denied');
      expect(await authenticate({ user: 'prometheus', password: PASSWORD })).toBe('ok');
    } finally {
      await authenticate.close();
    }
  });
});

describe('rate_limit', () => {
  it('answers 429 past the burst, to all but the probes', async () => {
    const server = await serve(authConfig({ rateLimit: { intervalMs: 3_600_000, burst: 2 } }));
    try {
      const auth = { Authorization: basic('prometheus', PASSWORD) };
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await getFrom(`${server.url}/metrics`, '127.0.0.1', auth, 5000)).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect((await getFrom(`${server.url}/healthz`, '127.0.0.1')).status).toBe(200);
      expect((await getFrom(`${server.url}/readyz`, '127.0.0.1')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the connection budget of an address', () => {
  it('admits a burst, then new connections at its rate; holds the refused unread, then closes them', () => {
    let clock = 0;
    const reports: [string, string, number][] = [];
    const budget = new ConnectionBudget(
      { open: 100, perSecond: 10, burst: 20, tarpitSize: 5, tarpitMs: 60_000 },
      () => clock,
      (address, why, refused) => reports.push([address, why, refused]),
    );
    const socket = (address: string) => {
      const s = Object.assign(new EventEmitter(), {
        remoteAddress: address,
        paused: false,
        destroyed: false,
        pause() {
          s.paused = true;
        },
        destroy() {
          s.destroyed = true;
          s.emit('close');
        },
      });
      return s as unknown as Socket & { paused: boolean; destroyed: boolean };
    };
    try {
      const first = Array.from({ length: 30 }, () => socket('10.0.0.1'));
      const admitted = first.map((s) => budget.admit(s));
      expect(admitted.filter(Boolean)).toHaveLength(20);
      // The refused: five held unread (the tarpit's size), the rest closed at once.
      expect(first.filter((s) => s.paused && !s.destroyed)).toHaveLength(5);
      expect(first.filter((s) => s.destroyed)).toHaveLength(5);
      expect(budget.admit(socket('10.0.0.2'))).toBe(true);
      clock += 500;
      const later = Array.from({ length: 10 }, () => budget.admit(socket('10.0.0.1')));
      expect(later.filter(Boolean)).toHaveLength(5);
      // Reported once a minute per address at most, with the number refused since.
      expect(reports).toEqual([['10.0.0.1', 'rate', 1]]);
      clock += 60_000;
      budget.admit(socket('10.0.0.1'));
      for (let i = 0; i < 25; i++) budget.admit(socket('10.0.0.1'));
      expect(reports.at(-1)).toEqual(['10.0.0.1', 'rate', 15]);
      // Open connections count too: with the rate refilled, the open cap still holds.
      const capped = new ConnectionBudget(
        { open: 2, perSecond: 1000, burst: 1000, tarpitSize: 0, tarpitMs: 1 },
        () => clock,
      );
      const held = [socket('10.0.0.3'), socket('10.0.0.3')];
      expect(held.map((s) => capped.admit(s))).toEqual([true, true]);
      expect(capped.admit(socket('10.0.0.3'))).toBe(false);
      held[0]?.destroy();
      expect(capped.admit(socket('10.0.0.3'))).toBe(true);
      capped.close();
    } finally {
      budget.close();
    }
  });

  it('is kept per IPv4 address and per IPv6 /64', () => {
    expect(budgetKey('127.0.0.1')).toBe('127.0.0.1');
    expect(budgetKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(budgetKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(budgetKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(budgetKey('::1')).toBe('0:0:0:0::/64');
  });
});
