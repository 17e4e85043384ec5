/**
 * The series store as plain data, and the check of such data read back from
 * disk: anything not as saved is refused whole.
 */

/** A histogram: non-cumulative bucket counts (+Inf last), count, sum in ms. */
export type HistogramTuple = [counts: number[], count: number, sumMs: number];

/** One series: every label value, whether it was folded, and its value. */
export type SeriesTuple = [values: string[], folded: boolean, value: number | HistogramTuple];

export type FamilySnapshot = SeriesTuple[];

export interface StoreSnapshot {
  /** By exposed metric name. */
  readonly families: Record<string, FamilySnapshot>;
  /** First-come values of each bounded label. */
  readonly bounds: Record<string, string[]>;
  /** When each workload was last active, ms of event time, by workload key (absent in states saved before). */
  readonly lastSeen?: Record<string, number>;
  /** The store's event-time clock, ms; null before any event time (absent in states saved before). */
  readonly clockMs?: number | null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkHistogram(value: unknown): void {
  const tuple = value as HistogramTuple;
  if (
    !Array.isArray(tuple) ||
    tuple.length !== 3 ||
    !Array.isArray(tuple[0]) ||
    !tuple[0].every(isCount) ||
    !isCount(tuple[1]) ||
    typeof tuple[2] !== 'number' ||
    !Number.isFinite(tuple[2]) ||
    tuple[2] < 0 ||
    tuple[0].reduce((sum, n) => sum + n, 0) !== tuple[1]
  ) {
    throw new Error('histogram state is malformed');
  }
}

/** Checks the shape of a store snapshot; throws on anything not as saved. */
export function readStoreSnapshot(data: unknown): StoreSnapshot {
  if (!isObject(data)) throw new Error('metric state is not an object');
  const { families, bounds, lastSeen, clockMs } = data;
  if (!isObject(families)) throw new Error('metric families are not an object');
  if (!isObject(bounds)) throw new Error('label bounds are not an object');
  for (const [name, series] of Object.entries(families)) {
    if (!Array.isArray(series)) throw new Error(`${name} series are not an array`);
    for (const entry of series) {
      if (
        !Array.isArray(entry) ||
        entry.length !== 3 ||
        !isStrings(entry[0]) ||
        typeof entry[1] !== 'boolean'
      ) {
        throw new Error(`${name} series is malformed`);
      }
      if (Array.isArray(entry[2])) checkHistogram(entry[2]);
      // A gauge may hold a point in time (fractional seconds); counts are checked as counts by the store.
      else if (typeof entry[2] !== 'number' || !Number.isFinite(entry[2]) || entry[2] < 0) {
        throw new Error(`${name} count is malformed`);
      }
    }
  }
  for (const [label, values] of Object.entries(bounds)) {
    if (!isStrings(values) || new Set(values).size !== values.length) {
      throw new Error(`bound of ${label} is malformed`);
    }
  }
  if (lastSeen !== undefined) {
    if (!isObject(lastSeen)) throw new Error('workload times are not an object');
    for (const at of Object.values(lastSeen)) {
      if (typeof at !== 'number' || !Number.isFinite(at))
        throw new Error('workload time is malformed');
    }
  }
  if (
    clockMs !== undefined &&
    clockMs !== null &&
    !(typeof clockMs === 'number' && Number.isFinite(clockMs))
  ) {
    throw new Error('series clock is malformed');
  }
  return {
    families: families as Record<string, FamilySnapshot>,
    bounds: bounds as Record<string, string[]>,
    ...(lastSeen === undefined ? {} : { lastSeen: lastSeen as Record<string, number> }),
    ...(clockMs === undefined ? {} : { clockMs: clockMs as number | null }),
  };
}
