/**
 * Plans the ECS events around tasks: episodes of a few events of one
 * service or cluster over minutes (deployments that complete or are rolled
 * back, placement failures, agents that disconnect, daemon deployments,
 * instance health, hooks). The kinds declare them (kinds/<kind>/episodes.ts,
 * shaped like the events of test/fixtures/events); this module picks one by
 * weight, or by name, and keeps the corpus' memory of fleets and
 * deployments in one EpisodeContext. Pure: times and randomness are passed in.
 */
import type { EventKind, SimulatedEpisode } from '../kinds/kind.js';
import { EVENT_KINDS } from '../kinds/registry.js';
import { EpisodeContext } from './episode-context.js';
import type { Random } from './random.js';
import type { LifecycleTimings, PlannedEvent, Workload } from './task-lifecycle.js';

/** An episode's name, as its kind declares it ('deployment', 'agent_lost', …). */
export type Episode = string;

export class EpisodePlanner {
  readonly #random: Random;
  readonly #context: EpisodeContext;
  /** In the order of the kinds, each kind's in its own order: the order a weighted pick walks. */
  readonly #episodes: readonly SimulatedEpisode[];
  readonly #totalWeight: number;

  constructor(
    random: Random,
    timings: LifecycleTimings = { runScale: 1 },
    kinds: readonly EventKind[] = EVENT_KINDS,
  ) {
    this.#random = random;
    this.#context = new EpisodeContext(random, timings);
    this.#episodes = kinds.flatMap((k) => k.episodes ?? []);
    this.#totalWeight = this.#episodes.reduce((sum, e) => sum + e.weight, 0);
  }

  /** Every episode the kinds declare, by name. */
  get names(): readonly Episode[] {
    return this.#episodes.map((e) => e.name);
  }

  pickEpisode(): Episode {
    let roll = this.#random.next() * this.#totalWeight;
    for (const episode of this.#episodes) {
      roll -= episode.weight;
      if (roll < 0) return episode.name;
    }
    return this.#episodes[0]?.name ?? '';
  }

  /** The events of one episode of `workload` (its service, or its cluster), starting at `startMs`. */
  plan(name: Episode, startMs: number, workload: Workload): PlannedEvent[] {
    const episode = this.#episodes.find((e) => e.name === name);
    if (episode === undefined) throw new Error(`no kind simulates an episode named ${name}`);
    return episode.plan(this.#context, startMs, workload);
  }
}
