/**
 * What a kind's simulated episodes are handed (kinds/<kind>/episodes.ts):
 * the random source and timings of the corpus, how long a step takes, where
 * a workload lives, an event stamped as EventBridge stamps it, and memory
 * kept between the episodes of one corpus (fleets, the last good
 * deployment). Pure: time and randomness come from the corpus.
 */
import { episodeSpan, workloadArns } from './episode-span.js';
import type { Random } from './random.js';
import {
  envelope,
  type LifecycleTimings,
  type PlannedEvent,
  type Workload,
} from './task-lifecycle.js';

export class EpisodeContext {
  readonly random: Random;
  readonly timings: LifecycleTimings;
  readonly #memory = new Map<string, unknown>();

  constructor(random: Random, timings: LifecycleTimings) {
    this.random = random;
    this.timings = timings;
  }

  /** A span of about `typicalMs`, scaled for a live demo, never under `minMs`. */
  span(typicalMs: number, minMs = 5000): number {
    return episodeSpan(this.random, this.timings, typicalMs, minMs);
  }

  where(workload: Workload): ReturnType<typeof workloadArns> {
    return workloadArns(workload);
  }

  /**
   * An aws.ecs event of `workload`'s account and region, stamped a moment
   * after `atMs` (EventBridge stamps the event a moment after the change it
   * reports), with `resources` as given (absent when undefined).
   */
  event(
    detailType: string,
    atMs: number,
    workload: Workload,
    resources: readonly string[] | undefined,
    detail: Record<string, unknown>,
  ): PlannedEvent {
    const { account, region } = this.where(workload);
    const time = atMs + this.random.int(100, 3000);
    const event = envelope(this.random, detailType, time, '', detail, account, region);
    if (resources === undefined) delete event.resources;
    else event.resources = [...resources];
    return { atMs: time, event };
  }

  /** What `key` names in this corpus, made by `create` the first time. */
  memory<T>(key: string, create: () => T): T {
    if (!this.#memory.has(key)) this.#memory.set(key, create());
    return this.#memory.get(key) as T;
  }
}
