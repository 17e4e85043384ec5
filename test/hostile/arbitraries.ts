/**
 * fast-check arbitraries for hostile records: raw bytes and strings, seed
 * lines with bytes spliced in, any JSON value, and real events with the
 * fields the contract reads replaced by anything.
 */
import fc from 'fast-check';
import {
  CONTRACT_PATHS,
  DELETE,
  HOSTILE_STRINGS,
  HOSTILE_TIMES,
  SEED_LINES,
  seedEvent,
  setPath,
} from './support.js';

/** A few task ARNs shared between records, so duplicates and status changes happen. */
export const TASK_ARNS: readonly string[] = [
  'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef',
  'arn:aws:ecs:us-east-1:123456789012:task/11111111-2222-3333-4444-555555555555',
  'task/short',
  '',
  '__proto__',
];

const STATUSES = ['PROVISIONING', 'PENDING', 'RUNNING', 'STOPPING', 'STOPPED', 'DELETED', 'odd'];

/** Anything a field could hold: hostile text, times, numbers, structures, or nothing. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_TIMES),
  fc.constantFrom(...STATUSES),
  fc.constantFrom(...TASK_ARNS),
  fc.constant(DELETE),
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(1.5, -0, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e308, -1e308),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** A real event with up to five contract fields (or prototype keys) replaced. */
export const mutatedEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.constantFrom(0 as const, 1 as const),
    fc.array(fc.tuple(fc.constantFrom(...CONTRACT_PATHS), fieldValue), {
      minLength: 1,
      maxLength: 5,
    }),
  )
  .map(([seed, changes]) => {
    const event = seedEvent(seed);
    for (const [path, value] of changes) setPath(event, path, value);
    return event;
  });

/** A JSON line: any JSON value, or a mutated real event. */
export const jsonRecord: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  mutatedEvent.map((e) => JSON.stringify(e)),
  mutatedEvent.map((e) => JSON.stringify(e)),
);

/** A seed line with a slice replaced by arbitrary text: mostly near-valid JSON. */
const splicedSeed: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...SEED_LINES),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.nat({ max: 8 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
  )
  .map(([line, at, cut, insert]) => {
    const i = Math.floor(at * line.length);
    return line.slice(0, i) + insert + line.slice(i + cut);
  });

/** Any record at all: bytes, text, near-valid JSON, JSON. */
export const anyRecord: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  splicedSeed,
  jsonRecord,
  jsonRecord.map((s) => new TextEncoder().encode(s)),
);

/** `records`, then some of them again (redeliveries), in one sequence. */
export function withRedeliveries<T>(records: fc.Arbitrary<T>, maxLength: number) {
  return fc
    .tuple(fc.array(records, { minLength: 1, maxLength }), fc.array(fc.nat(), { maxLength }))
    .map(([first, again]) => [...first, ...again.map((i) => first[i % first.length] as T)]);
}
