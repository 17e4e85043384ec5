/**
 * The events a pattern is judged against: every kind's samples
 * (kinds/<kind>/: full task lifecycles, the seed note's events, one or two
 * events of each other ECS detail-type), and the detail-types of the kinds,
 * so the check follows the kinds as they are added.
 */
import type { EventKind, SampleEvent } from '../kinds/kind.js';
import { EVENT_KINDS } from '../kinds/registry.js';
import { TASK_EVENT_DETAIL_TYPE } from '../kinds/task-state-change/task-event.js';
import { KNOWN_TASK_STATUSES } from '../kinds/task-state-change/task-vocabulary.js';

export type ReferenceEvent = SampleEvent;

export const TASK_DETAIL_TYPE = TASK_EVENT_DETAIL_TYPE;

/** Every task status ECS reports, in lifecycle order (DELETED is not sent as an event). */
export const TASK_STATUSES: readonly (typeof KNOWN_TASK_STATUSES)[number][] =
  KNOWN_TASK_STATUSES.filter((status) => status !== 'DELETED');

/** What patterns are judged against, from a list of kinds. */
export interface References {
  readonly events: readonly ReferenceEvent[];
  /** The ECS detail-types a rule on aws.ecs delivers, each with whether the exporter counts it. */
  readonly detailTypes: readonly { readonly detailType: string; readonly counted: boolean }[];
  /** Fields one event of an entity must carry together, per metric. */
  readonly carriedFields: readonly {
    readonly metric: string;
    readonly fields: readonly string[];
  }[];
}

export function referencesOf(kinds: readonly EventKind[]): References {
  const ecs = kinds.filter((k) => k.source === 'aws.ecs');
  return {
    events: kinds.flatMap((k) => k.samples()),
    detailTypes: ecs.flatMap((k) =>
      k.detailTypes.map((detailType) => ({ detailType, counted: true })),
    ),
    carriedFields: kinds.flatMap((k) => k.carriedFields ?? []),
  };
}

/** The registry's. */
export const REFERENCES: References = referencesOf(EVENT_KINDS);

/** Everything a pattern is judged against. */
export const REFERENCE_EVENTS: readonly ReferenceEvent[] = REFERENCES.events;
