/**
 * Checks of a saved counting state's values before it is believed, beyond
 * its shape (which each part checks as it restores): a state file can be
 * edited by hand or damaged, and what it holds is served on /metrics and the
 * page.
 *
 * - Counts past MAX_RESTORED_COUNT refuse the state: no exporter counts that
 *   far (a million events a second for thirty years is 1e15), and near 2^53
 *   a counter stops moving when incremented.
 * - A number JSON can hold but a state cannot (1e400 reads as Infinity)
 *   refuses the state.
 * - Times of the kinds' entries (recent failures, deduplication ledgers)
 *   outside ECS's lifetime (before 2014-11-13, or more than a day ahead of
 *   this clock) are dropped with a count, not the state: one event with a
 *   wild time read live is saved too, and refusing it would lose every
 *   counter at each restart.
 */

/** ECS's general availability: no ECS event is older. */
export const ECS_EPOCH_MS = Date.UTC(2014, 10, 13);
/** How far ahead of this clock a saved time may be (clocks differ between replicas). */
export const FUTURE_SLACK_MS = 24 * 3600 * 1000;
/** The largest count a restored state may hold (2^50). */
export const MAX_RESTORED_COUNT = 2 ** 50;

type Node = Record<string, unknown> | unknown[];

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

/**
 * Checks `state` (as decoded, changed in place: dropped entries are removed)
 * and returns how many entries with impossible times were dropped. Throws,
 * naming what and where, when a value refuses the whole state.
 */
export function checkRestoredValues(state: unknown, nowMs: number): { droppedTimes: number } {
  if (!isNode(state)) return { droppedTimes: 0 };
  const latest = nowMs + FUTURE_SLACK_MS;
  const possible = (t: unknown) =>
    t === null || (typeof t === 'number' && t >= ECS_EPOCH_MS && t <= latest);
  let droppedTimes = 0;

  // Every number finite, iteratively (a deep document must not overflow the stack).
  const stack: { node: Node; path: string }[] = [{ node: state, path: 'state' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: Node; path: string };
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new Error(`${path}.${key} is not a finite number`);
      }
      if (isNode(value)) stack.push({ node: value, path: `${path}.${key}` });
    }
  }

  const root = state as Record<string, unknown>;
  checkCounts(root.series, root.self);

  // The kinds' entries with times: lists of entries with `timeMs`, and ledgers { newestMs, entries: [key, atMs, value][] }.
  const kinds = isNode(root.kinds) ? [root.kinds] : [];
  const nodes: Node[] = [...kinds];
  while (nodes.length > 0) {
    const node = nodes.pop() as Node;
    if (Array.isArray(node)) {
      const kept = node.filter(
        (e) => !(isNode(e) && !Array.isArray(e) && 'timeMs' in e && !possible(e.timeMs)),
      );
      droppedTimes += node.length - kept.length;
      if (kept.length !== node.length) node.splice(0, node.length, ...kept);
    } else if ('newestMs' in node && Array.isArray(node.entries)) {
      const entries = node.entries as unknown[];
      const kept = entries.filter((e) => !(Array.isArray(e) && !possible(e[1])));
      droppedTimes += entries.length - kept.length;
      if (kept.length !== entries.length) entries.splice(0, entries.length, ...kept);
      if (!possible(node.newestMs)) {
        const times = kept.map((e) => (Array.isArray(e) ? Number(e[1]) : Number.NaN));
        const finite = times.filter(Number.isFinite);
        node.newestMs = finite.length === 0 ? null : Math.max(...finite);
      }
    }
    for (const value of Object.values(node)) if (isNode(value)) nodes.push(value);
  }
  return { droppedTimes };
}

function checkCount(value: unknown, where: string): void {
  if (typeof value === 'number' && value > MAX_RESTORED_COUNT) {
    throw new Error(
      `${where} holds ${value}, above ${MAX_RESTORED_COUNT}: not a count this exporter made`,
    );
  }
}

function checkCounts(series: unknown, self: unknown): void {
  const families = isNode(series) ? (series as { families?: unknown }).families : undefined;
  if (isNode(families)) {
    for (const [name, tuples] of Object.entries(families)) {
      if (!Array.isArray(tuples)) continue;
      for (const tuple of tuples) {
        if (!Array.isArray(tuple)) continue;
        const value = tuple[2];
        if (Array.isArray(value)) {
          for (const n of Array.isArray(value[0]) ? value[0] : [])
            checkCount(n, `series of ${name}`);
          checkCount(value[1], `series of ${name}`);
        } else checkCount(value, `series of ${name}`);
      }
    }
  }
  if (isNode(self)) {
    for (const [group, counts] of Object.entries(self)) {
      if (isNode(counts))
        for (const [k, n] of Object.entries(counts)) checkCount(n, `self.${group}.${k}`);
    }
  }
}
