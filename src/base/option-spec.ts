/**
 * The option schema's parts: what an option is, and the parsers its values
 * go through. The configuration (config.ts) and each source's own options
 * (sources/<name>/…-options.ts) are written with them.
 */
import type { Command } from './command-names.js';

/** One option: its flag, environment variable, help and parser. `K` names the configuration field it fills. */
export interface OptionSpec<K extends string = string> {
  readonly key: K;
  readonly flag: string;
  /** Former flag names, still accepted for a release with a deprecation warning. */
  readonly aliases?: readonly string[];
  readonly env: string;
  /** Former environment variable names, per command, still read (the documented name wins). */
  readonly envAliases?: Readonly<Partial<Record<Command, readonly string[]>>>;
  readonly value: string;
  readonly description: string;
  readonly commands: readonly Command[];
  /** Default as written on the command line; undefined when there is none. */
  readonly default: string | undefined;
  /** A command's own default, where it differs. */
  readonly defaults?: Partial<Record<Command, string>>;
  /** Commands that cannot run without this option. */
  readonly requiredFor?: readonly Command[];
  parse(text: string): unknown;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) throw new Error(`"${text}" is not a duration like 30s, 15m, 24h or 7d`);
  return Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
}

export function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new Error(`"${text}" is not a positive integer`);
  return Number(text);
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    if (!(values as readonly string[]).includes(text)) {
      throw new Error(`"${text}" is not one of ${values.join(', ')}`);
    }
    return text as T;
  };
}

export function httpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL like http://localhost:4567`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`"${text}" is not an http or https URL`);
  return text;
}

export function positiveDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new Error(`"${text}" must be longer than zero`);
  return ms;
}

/** Any text but an empty one (flags whose value is a name or a path). */
export function nonEmpty(text: string): string {
  if (text.trim() === '') throw new Error('must not be empty');
  return text;
}

/** `parse`, then a check of its value: `"TEXT" why` when the check fails. */
export function checked<T>(
  parse: (text: string) => T,
  ok: (value: T) => boolean,
  why: string,
): (text: string) => T {
  return (text) => {
    const value = parse(text);
    if (!ok(value)) throw new Error(`"${text}" ${why}`);
    return value;
  };
}
