/**
 * bcrypt comparisons off the event loop, a bounded number at a time. A
 * comparison is tens of milliseconds of CPU by design; done on the event loop
 * (even bcryptjs's "async" form, which runs in 100 ms slices) a flood of
 * wrong passwords delays every scrape and probe. Here one worker thread
 * compares, a short queue waits, and past the queue the caller is told to
 * refuse (429) instead of waiting: the work any client can cause is bounded.
 *
 * After each comparison the worker rests as long as it took, so a flood
 * takes at most half of one core (on a two-core machine the event loop and
 * everything else keep the rest); a comparison waits at most (queue + 1) × 2
 * comparisons' time. The worker is unreferenced (it never keeps the process
 * alive) and made again if it dies.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Runs in the worker: compares and answers by id. CommonJS, as eval workers are. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

export interface BcryptPoolOptions {
  /** Comparisons waiting beyond the running ones; past this `compare` answers 'busy'. */
  readonly queueLimit: number;
}

interface Pending {
  readonly id: number;
  readonly password: string;
  readonly hash: string;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: Error) => void;
}

export class BcryptPool {
  readonly #queueLimit: number;
  readonly #bcrypt: string;
  #worker: Worker | undefined;
  #running: Pending | undefined;
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #closed = false;
  /** Until when the worker rests after its last comparison. */
  #restUntil = 0;
  #resting: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(options: BcryptPoolOptions) {
    this.#queueLimit = options.queueLimit;
    this.#bcrypt = createRequire(import.meta.url).resolve('bcryptjs');
  }

  /** Whether `password` matches `hash`; 'busy' at once when the queue is full. */
  compare(password: string, hash: string): Promise<boolean> | 'busy' {
    if (this.#closed) return Promise.reject(new Error('bcrypt pool closed'));
    if (this.#queue.length >= this.#queueLimit) return 'busy';
    return new Promise<boolean>((resolve, reject) => {
      this.#nextId += 1;
      this.#queue.push({ id: this.#nextId, password, hash, resolve, reject });
      this.#pump();
    });
  }

  /** Stops the worker; waiting comparisons reject. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#resting);
    const worker = this.#worker;
    this.#worker = undefined;
    const gone = new Error('bcrypt pool closed');
    this.#running?.reject(gone);
    this.#running = undefined;
    for (const p of this.#queue.splice(0)) p.reject(gone);
    await worker?.terminate();
  }

  #pump(): void {
    if (this.#running !== undefined || this.#closed || this.#resting !== undefined) return;
    const wait = this.#restUntil - performance.now();
    if (wait > 0 && this.#queue.length > 0) {
      this.#resting = setTimeout(() => {
        this.#resting = undefined;
        this.#pump();
      }, wait);
      this.#resting.unref();
      return;
    }
    const next = this.#queue.shift();
    if (next === undefined) return;
    this.#running = next;
    this.#startedAt = performance.now();
    const { id, password, hash } = next;
    this.#ensureWorker().postMessage({ id, password, hash });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { bcrypt: this.#bcrypt } });
    worker.unref();
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      const running = this.#running;
      if (running?.id !== id) return;
      this.#running = undefined;
      const now = performance.now();
      this.#restUntil = now + (now - this.#startedAt);
      running.resolve(ok === true);
      this.#pump();
    });
    const lost = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const running = this.#running;
      this.#running = undefined;
      running?.reject(err);
      this.#pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`bcrypt worker exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}
