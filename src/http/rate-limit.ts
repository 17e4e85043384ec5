/**
 * The web config's `rate_limit` as the exporter toolkit defines it: a token
 * bucket holding up to `burst` requests, one more allowed every `interval`
 * (Go's rate.NewLimiter(rate.Every(interval), burst)), shared by all clients;
 * a request finding the bucket empty is answered 429.
 */
export interface RateLimitSettings {
  readonly intervalMs: number;
  readonly burst: number;
}

export class TokenBucket {
  readonly #intervalMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #lastMs: number;

  constructor(settings: RateLimitSettings, now: () => number = performance.now.bind(performance)) {
    this.#intervalMs = settings.intervalMs;
    this.#burst = settings.burst;
    this.#now = now;
    this.#tokens = settings.burst;
    this.#lastMs = now();
  }

  /** Takes a token when there is one. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#lastMs) / this.#intervalMs);
    this.#lastMs = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1s`, `1m30s`, `250ms`) in milliseconds; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let ms = 0;
  let rest = text;
  if (rest === '') return undefined;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (match === null) return undefined;
    ms += Number(match[1]) * (UNITS[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return ms;
}
