/**
 * STOPPED tasks in the order they stopped (keys and event times): what
 * retention forgets first, and what the cap on tracked tasks evicts first.
 * An entry is stale once its task was forgotten or stopped again at another
 * time; stale entries are skipped.
 */
export class StoppedQueue {
  #keys: string[] = [];
  #times: number[] = [];
  #head = 0;

  push(key: string, atMs: number): void {
    this.#keys.push(key);
    this.#times.push(atMs);
  }

  /** Replaces the queue with `entries`, oldest first. */
  reset(entries: readonly (readonly [key: string, atMs: number])[]): void {
    this.#keys = entries.map(([key]) => key);
    this.#times = entries.map(([, at]) => at);
    this.#head = 0;
  }

  /** Live entries, oldest first. */
  *entries(isLive: (key: string, atMs: number) => boolean): Generator<[string, number]> {
    for (let i = this.#head; i < this.#keys.length; i++) {
      const key = this.#keys[i] as string;
      const at = this.#times[i] as number;
      if (isLive(key, at)) yield [key, at];
    }
  }

  /**
   * Takes the oldest live entry for which `take` says yes, skipping stale
   * ones; stops at the first live entry it refuses. Returns its key.
   */
  shift(
    isLive: (key: string, atMs: number) => boolean,
    take: (atMs: number) => boolean,
  ): string | undefined {
    while (this.#head < this.#keys.length) {
      const at = this.#times[this.#head] as number;
      if (!take(at)) return undefined;
      const key = this.#keys[this.#head++] as string;
      if (isLive(key, at)) {
        this.#compact();
        return key;
      }
    }
    this.#compact();
    return undefined;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
