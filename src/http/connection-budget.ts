/**
 * What one remote address may hold of the server: a number of open
 * connections and a rate of new ones. A scrape target needs a handful of
 * connections from each client; one client holding hundreds of slow sockets,
 * or opening thousands a second, must not take what a probe or scraper from
 * elsewhere needs. A connection past either never reaches the HTTP or TLS
 * layer: it is held unread for a while (a tarpit: an attacker that reconnects
 * as soon as it is closed would otherwise make the server accept and close
 * thousands a second) and then closed; past the tarpit's size it is closed at
 * once.
 */
import type { Socket } from 'node:net';

export interface BudgetLimits {
  /** Open connections per address. */
  readonly open: number;
  /** New connections per address and second, on average… */
  readonly perSecond: number;
  /** …and at once. */
  readonly burst: number;
  /** Refused connections held unread at most, from all addresses; past this they are closed at once. */
  readonly tarpitSize: number;
  /** How long a refused connection is held before it is closed. */
  readonly tarpitMs: number;
}

/**
 * The address a budget is kept for: IPv4 as it is (also when mapped into
 * IPv6), IPv6 by its /64, which one host or pod usually holds whole.
 */
export function budgetKey(address: string | undefined): string {
  if (address === undefined) return '';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const rest = tail === '' ? [] : tail.split(':');
    while (groups.length + rest.length < 8) groups.push('0');
    groups.push(...rest);
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}

interface Entry {
  open: number;
  tokens: number;
  lastMs: number;
  /** When a refusal of this address was last reported, and how many since. */
  reportedMs: number;
  unreported: number;
}

/** How often refusals of one address are reported at most. */
const REPORT_EVERY_MS = 60_000;

/** Told of refusals, at most once a minute per address, with how many since the last report. */
export type RefusalReport = (address: string, why: 'open' | 'rate', refused: number) => void;

export class ConnectionBudget {
  readonly #limits: BudgetLimits;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #sweep: NodeJS.Timeout;
  readonly #tarpit = new Set<Socket>();
  /** Connections closed on accept, since start. */
  refused = 0;

  readonly #report: RefusalReport | undefined;

  constructor(
    limits: BudgetLimits,
    now: () => number = () => performance.now(),
    report?: RefusalReport,
  ) {
    this.#limits = limits;
    this.#now = now;
    this.#report = report;
    // Addresses with nothing open and a full bucket are forgotten: the map holds recent clients only.
    this.#sweep = setInterval(() => {
      const t = this.#now();
      for (const [key, e] of this.#entries) {
        const quiet = t - e.reportedMs >= REPORT_EVERY_MS;
        if (e.open === 0 && quiet && this.#refill(e, t) >= this.#limits.burst) {
          this.#entries.delete(key);
        }
      }
    }, 10_000);
    this.#sweep.unref();
  }

  /** Admits `socket` (counted until it closes), or refuses it: held unread, then closed. */
  admit(socket: Socket): boolean {
    const key = budgetKey(socket.remoteAddress);
    const t = this.#now();
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = {
        open: 0,
        tokens: this.#limits.burst,
        lastMs: t,
        reportedMs: Number.NEGATIVE_INFINITY,
        unreported: 0,
      };
      this.#entries.set(key, e);
    }
    this.#refill(e, t);
    if (e.open >= this.#limits.open || e.tokens < 1) {
      this.refused += 1;
      e.unreported += 1;
      if (this.#report !== undefined && t - e.reportedMs >= REPORT_EVERY_MS) {
        this.#report(key, e.open >= this.#limits.open ? 'open' : 'rate', e.unreported);
        e.reportedMs = t;
        e.unreported = 0;
      }
      this.#refuse(socket);
      return false;
    }
    e.tokens -= 1;
    e.open += 1;
    const entry = e;
    socket.once('close', () => {
      entry.open -= 1;
    });
    return true;
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const socket of this.#tarpit) socket.destroy();
  }

  #refuse(socket: Socket): void {
    if (this.#tarpit.size >= this.#limits.tarpitSize) {
      socket.destroy();
      return;
    }
    this.#tarpit.add(socket);
    socket.pause();
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), this.#limits.tarpitMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      this.#tarpit.delete(socket);
    });
  }

  #refill(e: Entry, t: number): number {
    e.tokens = Math.min(
      this.#limits.burst,
      e.tokens + ((t - e.lastMs) / 1000) * this.#limits.perSecond,
    );
    e.lastMs = t;
    return e.tokens;
  }
}
