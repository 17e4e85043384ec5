/**
 * Produces a realistic mix of task lifecycles, and of the deployments,
 * service actions and container instance changes around them, in two
 * accounts and regions, as EventBridge would deliver them: at least once
 * (duplicates, some with a new event id) and out of order. Two drivers share the planning: `generateCorpus` lays out a whole
 * corpus in simulated time (tests, benchmarks), `TaskSimulator` releases
 * events as their time comes (the demo). Where events go is the caller's
 * `emit`: the pipeline directly, or a Kinesis stream.
 */
import { createRandom, type Random } from './random.js';
import { type Episode, EpisodePlanner } from './service-events.js';
import {
  type LifecycleTimings,
  type PlannedEvent,
  pickScenario,
  pickWorkload,
  planTaskLifecycle,
  type Scenario,
  WORKLOADS,
} from './task-lifecycle.js';

export interface DeliveryOptions {
  /** Share of events delivered a second time (half of those with a new event id). */
  readonly duplicateRate: number;
  /**
   * Per task, the chance of an episode of the other ECS events starting with
   * it (a deployment, placement failures, an agent disconnecting, …).
   */
  readonly otherEventRate?: number;
  /** Each delivery is delayed by up to this much, which reorders nearby events. */
  readonly maxDelayMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  duplicateRate: 0.05,
  otherEventRate: 0.05,
  maxDelayMs: 3000,
};

interface Delivery {
  readonly dueMs: number;
  readonly event: Record<string, unknown>;
}

const SERVICES = WORKLOADS.filter((w) => w.service !== undefined);

/**
 * With the chance of `otherEventRate`, the events of one episode (of those
 * allowed, else the weighted mix) of a random service, from `atMs`.
 */
function otherEvents(
  random: Random,
  planner: EpisodePlanner,
  atMs: number,
  delivery: DeliveryOptions,
  episodes: readonly Episode[] | undefined,
): PlannedEvent[] {
  if (random.next() >= (delivery.otherEventRate ?? 0)) return [];
  const episode = episodes === undefined ? planner.pickEpisode() : random.pick(episodes);
  return planner.plan(episode, atMs, random.pick(SERVICES));
}

function deliveries(random: Random, planned: readonly PlannedEvent[], delivery: DeliveryOptions) {
  const out: Delivery[] = [];
  for (const { atMs, event } of planned) {
    out.push({ dueMs: atMs + random.next() * delivery.maxDelayMs, event });
    if (random.next() < delivery.duplicateRate) {
      const again =
        random.next() < 0.5 ? event : { ...event, id: `${random.hex(8)}-dup-${random.hex(4)}` };
      out.push({ dueMs: atMs + random.next() * delivery.maxDelayMs * 2, event: again });
    }
  }
  return out;
}

export interface CorpusOptions {
  readonly tasks: number;
  readonly seed?: number;
  readonly startMs?: number;
  /** Mean gap between task starts in simulated time. */
  readonly meanGapMs?: number;
  readonly delivery?: DeliveryOptions;
  /** Restrict to these scenarios (default: the weighted mix). */
  readonly scenarios?: readonly Scenario[];
  /** Restrict the other ECS events to these episodes (default: the weighted mix). */
  readonly episodes?: readonly Episode[];
}

/** A whole corpus, in delivery order, as event objects. */
export function generateCorpus(options: CorpusOptions): Record<string, unknown>[] {
  const random = createRandom(options.seed ?? 1);
  const delivery = options.delivery ?? DEFAULT_DELIVERY;
  const meanGap = options.meanGapMs ?? 2000;
  let startMs = options.startMs ?? Date.UTC(2026, 0, 1);
  const planner = new EpisodePlanner(random);
  const all: Delivery[] = [];
  for (let i = 0; i < options.tasks; i++) {
    startMs += Math.round(random.next() * 2 * meanGap);
    const scenario =
      options.scenarios === undefined ? pickScenario(random) : random.pick(options.scenarios);
    const workload = pickWorkload(random, scenario);
    const planned = [
      ...otherEvents(random, planner, startMs, delivery, options.episodes),
      ...planTaskLifecycle(random, startMs, scenario, workload),
    ];
    for (const d of deliveries(random, planned, delivery)) all.push(d);
  }
  all.sort((a, b) => a.dueMs - b.dueMs);
  return all.map((d) => d.event);
}

export interface TaskSimulatorOptions {
  /** Receives each batch of events that is due, in delivery order. */
  readonly emit: (events: Record<string, unknown>[]) => void | Promise<void>;
  readonly tasksPerSecond?: number;
  readonly seed?: number;
  readonly tickMs?: number;
  /** Shortens run durations so a live demo sees tasks stop within minutes. */
  readonly timings?: LifecycleTimings;
  readonly delivery?: DeliveryOptions;
  readonly now?: () => number;
}

/** Runs shortened so that a live demo sees tasks stop within minutes. */
const DEMO_TIMINGS: LifecycleTimings = { runScale: 0.02 };
/** Deployments, placement pressure and agent outages of a minute or two: long enough to show on a graph. */
const DEMO_EPISODE_TIMINGS: LifecycleTimings = { runScale: 0.25 };

/** Releases simulated events in real time until stopped. */
export class TaskSimulator {
  readonly #options: TaskSimulatorOptions;
  readonly #random: Random;
  readonly #planner: EpisodePlanner;
  #pending: Delivery[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastTickMs = 0;
  #startCredit = 0;
  #emitting: Promise<void> = Promise.resolve();
  emitted = 0;

  constructor(options: TaskSimulatorOptions) {
    this.#options = options;
    this.#random = createRandom(options.seed ?? Date.now());
    this.#planner = new EpisodePlanner(this.#random, DEMO_EPISODE_TIMINGS);
  }

  start(): void {
    const now = this.#now();
    this.#lastTickMs = now;
    // A burst of tasks that started a while ago, so the first scrape already has stops.
    for (let i = 0; i < 20; i++) this.#plan(now - this.#random.between(10_000, 120_000));
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#options.tickMs ?? 250);
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#emitting;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #plan(startMs: number): void {
    const scenario = pickScenario(this.#random);
    const workload = pickWorkload(this.#random, scenario);
    const delivery = this.#options.delivery ?? DEFAULT_DELIVERY;
    const planned = [
      ...otherEvents(this.#random, this.#planner, startMs, delivery, undefined),
      ...planTaskLifecycle(
        this.#random,
        startMs,
        scenario,
        workload,
        this.#options.timings ?? DEMO_TIMINGS,
      ),
    ];
    for (const d of deliveries(this.#random, planned, delivery)) this.#pending.push(d);
  }

  #tick(): void {
    const now = this.#now();
    this.#startCredit += ((now - this.#lastTickMs) / 1000) * (this.#options.tasksPerSecond ?? 5);
    this.#lastTickMs = now;
    while (this.#startCredit >= 1) {
      this.#startCredit -= 1;
      this.#plan(now);
    }
    const due: Delivery[] = [];
    const later: Delivery[] = [];
    for (const d of this.#pending) (d.dueMs <= now ? due : later).push(d);
    if (due.length === 0) return;
    this.#pending = later;
    due.sort((a, b) => a.dueMs - b.dueMs);
    const events = due.map((d) => d.event);
    this.emitted += events.length;
    // Batches go out one after another, never overlapping, whatever emit costs.
    this.#emitting = this.#emitting.then(() => this.#options.emit(events)).catch(() => {});
  }
}
