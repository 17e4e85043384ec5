/**
 * How a lasting problem reaches the log: one line when it starts or changes,
 * the same line again with backoff while it lasts (after 1 min, 2, 4, ... at
 * most hourly), and one line when it ends. Problems of configuration
 * (credentials, region, endpoint, access, a missing stream) are one line
 * with the reason and no stack trace; unexpected errors keep theirs.
 */
import type { Logger } from 'pino';
import { CONFIGURATION_KINDS, type ErrorKind } from './errors.js';
import type { Problem } from './status.js';

const FIRST_REPEAT_MS = 60_000;
const MAX_REPEAT_MS = 3_600_000;

export class ProblemLog {
  readonly #log: Logger;
  readonly #message: string;
  readonly #now: () => number;
  #code: string | undefined;
  #sinceMs = 0;
  #repeatMs = FIRST_REPEAT_MS;
  #nextMs = 0;
  #occurrences = 0;

  /** `message` names what failed, e.g. "cannot list Kinesis shards". */
  constructor(log: Logger, message: string, now: () => number = Date.now) {
    this.#log = log;
    this.#message = message;
    this.#now = now;
  }

  report(kind: ErrorKind, err: unknown, problem: Problem): void {
    const now = this.#now();
    this.#occurrences += 1;
    if (this.#code !== problem.code) {
      this.#code = problem.code;
      this.#sinceMs = now;
      this.#repeatMs = FIRST_REPEAT_MS;
      this.#occurrences = 1;
    } else if (now < this.#nextMs) {
      return;
    } else {
      this.#repeatMs = Math.min(this.#repeatMs * 2, MAX_REPEAT_MS);
    }
    this.#nextMs = now + this.#repeatMs;
    const fields = {
      code: problem.code,
      reason: problem.reason,
      ...(this.#occurrences > 1
        ? {
            failingForSeconds: Math.round((now - this.#sinceMs) / 1000),
            failures: this.#occurrences,
          }
        : {}),
    };
    const message = `${this.#message}: ${problem.reason}`;
    if (kind === 'expired-iterator') this.#log.info(fields, message);
    else if (kind === 'throttled') this.#log.warn(fields, message);
    else if (CONFIGURATION_KINDS.has(kind)) this.#log.error(fields, message);
    else this.#log.error({ ...fields, err }, message);
  }

  /** The call succeeded: ends the problem, saying so when there was one. */
  clear(recovered: string): void {
    if (this.#code === undefined) return;
    this.#log.info(
      {
        previousCode: this.#code,
        failedForSeconds: Math.round((this.#now() - this.#sinceMs) / 1000),
      },
      recovered,
    );
    this.#code = undefined;
    this.#occurrences = 0;
  }
}
