/**
 * EventBridge event patterns: the checks EventBridge applies when a rule is
 * created (every field value an array or a nested object, no empty arrays,
 * known operators with well-formed arguments), and matching of an event
 * against a pattern. Pure: no I/O.
 *
 * Matching covers exact values (strings, numbers, booleans, null), prefix,
 * suffix, equals-ignore-case, wildcard, anything-but (values, prefix, suffix,
 * equals-ignore-case), exists, numeric, IPv4 cidr and $or, on nested fields;
 * arrays in the event match when any of their elements does, as in EventBridge.
 */

export const OPERATORS = [
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'equals-ignore-case',
  'wildcard',
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const isIntrinsic = (v: unknown) =>
  isObject(v) && Object.keys(v).length === 1 && /^(Ref|Fn::\w+)$/.test(Object.keys(v)[0] as string);

const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);

function checkNumeric(arg: Json, where: string, errors: string[]) {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) {
    errors.push(
      `${where}: "numeric" takes [operator, number] or [operator, number, operator, number]`,
    );
    return;
  }
  for (let i = 0; i < arg.length; i += 2) {
    if (typeof arg[i] !== 'string' || !NUMERIC_OPS.has(arg[i] as string)) {
      errors.push(
        `${where}: "numeric" operator ${JSON.stringify(arg[i])} is not one of <, <=, =, >, >=`,
      );
    }
    if (typeof arg[i + 1] !== 'number') {
      errors.push(`${where}: "numeric" value ${JSON.stringify(arg[i + 1])} is not a number`);
    }
  }
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/\d{1,3}$/;

/** A string, or { "equals-ignore-case": string }: what prefix and suffix accept. */
function checkAffix(op: string, arg: Json, where: string, errors: string[]) {
  if (typeof arg === 'string') return;
  if (
    isObject(arg) &&
    Object.keys(arg).length === 1 &&
    typeof arg['equals-ignore-case'] === 'string'
  ) {
    return;
  }
  errors.push(`${where}: "${op}" takes a string (or {"equals-ignore-case": string})`);
}

function checkAnythingBut(arg: Json, where: string, errors: string[]) {
  const scalar = (v: Json) => typeof v === 'string' || typeof v === 'number';
  if (scalar(arg)) return;
  if (Array.isArray(arg)) {
    if (arg.length === 0) errors.push(`${where}: "anything-but" has an empty array`);
    else if (!arg.every(scalar) || new Set(arg.map((v) => typeof v)).size > 1) {
      errors.push(`${where}: "anything-but" takes strings or numbers, not a mix or other values`);
    }
    return;
  }
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [op, inner] = Object.entries(arg)[0] as [string, Json];
    if ((op === 'prefix' || op === 'suffix' || op === 'wildcard') && typeof inner === 'string')
      return;
    if (op === 'equals-ignore-case') {
      const ok =
        typeof inner === 'string' ||
        (Array.isArray(inner) && inner.length > 0 && inner.every((v) => typeof v === 'string'));
      if (ok) return;
    }
  }
  errors.push(
    `${where}: "anything-but" takes a string, a number, a non-empty array of them, or one of {"prefix"|"suffix"|"wildcard"|"equals-ignore-case": …}`,
  );
}

function checkMatcher(value: Json, where: string, errors: string[], warnings: string[]) {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    errors.push(`${where}: an array inside a match array is not allowed`);
    return;
  }
  if (isIntrinsic(value)) {
    warnings.push(
      `${where}: ${JSON.stringify(value)} is resolved by CloudFormation at deploy time; it matches nothing here`,
    );
    return;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    errors.push(`${where}: a match object must have exactly one operator, found ${keys.length}`);
    return;
  }
  const op = keys[0] as string;
  const arg = value[op] as Json;
  switch (op) {
    case 'prefix':
    case 'suffix':
      checkAffix(op, arg, where, errors);
      break;
    case 'equals-ignore-case':
    case 'wildcard':
      if (typeof arg !== 'string') errors.push(`${where}: "${op}" takes a string`);
      break;
    case 'exists':
      if (typeof arg !== 'boolean') errors.push(`${where}: "exists" takes true or false`);
      break;
    case 'numeric':
      checkNumeric(arg, where, errors);
      break;
    case 'cidr':
      if (typeof arg !== 'string' || !(IPV4_CIDR.test(arg) || IPV6_CIDR.test(arg))) {
        errors.push(`${where}: "cidr" takes an IP prefix such as "10.0.0.0/24"`);
      }
      break;
    case 'anything-but':
      checkAnythingBut(arg, where, errors);
      break;
    default:
      errors.push(`${where}: unrecognized match type "${op}" (valid: ${OPERATORS.join(', ')})`);
  }
}

function checkObject(pattern: JsonObject, path: string, errors: string[], warnings: string[]) {
  const keys = Object.keys(pattern);
  if (keys.length === 0) errors.push(`${path || 'the pattern'}: an empty object is not allowed`);
  for (const key of keys) {
    const value = pattern[key] as Json;
    const where = path === '' ? `"${key}"` : `${path}."${key}"`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        errors.push(`${where}: "$or" takes an array of at least two patterns`);
        continue;
      }
      value.forEach((sub, i) => {
        checkObject(sub as JsonObject, `${where}[${i}]`, errors, warnings);
      });
    } else if (Array.isArray(value)) {
      if (value.length === 0) errors.push(`${where}: empty arrays are not allowed`);
      value.forEach((v, i) => {
        checkMatcher(v, `${where}[${i}]`, errors, warnings);
      });
    } else if (isObject(value)) {
      if (isIntrinsic(value)) {
        warnings.push(
          `${where}: ${JSON.stringify(value)} is resolved by CloudFormation at deploy time`,
        );
        continue;
      }
      checkObject(value, where, errors, warnings);
    } else {
      errors.push(
        `${where} must be an object or an array, not ${value === null ? 'null' : typeof value} ${JSON.stringify(value)} (write [${JSON.stringify(value)}])`,
      );
    }
  }
}

export interface PatternCheck {
  readonly errors: string[];
  readonly warnings: string[];
}

/** The problems EventBridge would reject the pattern for, and what cannot be checked here. */
export function checkEventPattern(pattern: unknown): PatternCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isObject(pattern)) {
    errors.push(
      `an event pattern must be a JSON object, not ${Array.isArray(pattern) ? 'an array' : JSON.stringify(pattern)}`,
    );
  } else {
    checkObject(pattern as JsonObject, '', errors, warnings);
  }
  return { errors, warnings };
}

/** Every value at `path` of `value`, flattening arrays on the way; undefined when absent. */
function valuesAt(value: unknown, key: string): unknown[] | undefined {
  const out: unknown[] = [];
  let present = false;
  const visit = (v: unknown) => {
    if (Array.isArray(v)) for (const e of v) visit(e);
    else if (isObject(v) && key in v) {
      present = true;
      const found = v[key];
      if (Array.isArray(found)) out.push(...found);
      else out.push(found);
    }
  };
  visit(value);
  return present ? out : undefined;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function inCidr(value: unknown, cidr: string): boolean {
  const m = IPV4_CIDR.exec(cidr);
  if (m === null || typeof value !== 'string') return false;
  const ip = ipv4(value);
  const base = ipv4(cidr.split('/')[0] as string);
  const bits = Number(m[5]);
  if (ip === undefined || base === undefined || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(base / size);
}

function wildcardMatch(value: unknown, glob: string): boolean {
  if (typeof value !== 'string') return false;
  const parts = glob.split(/(?<!\\)\*/).map((p) => p.replace(/\\\*/g, '*'));
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(value);
}

function affix(value: unknown, arg: Json, test: (v: string, a: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof arg === 'string') return test(value, arg);
  const ci = isObject(arg) ? arg['equals-ignore-case'] : undefined;
  return typeof ci === 'string' && test(value.toLowerCase(), ci.toLowerCase());
}

const startsWith = (v: string, a: string) => v.startsWith(a);
const endsWith = (v: string, a: string) => v.endsWith(a);

function numericMatch(value: unknown, arg: Json): boolean {
  if (typeof value !== 'number' || !Array.isArray(arg)) return false;
  for (let i = 0; i < arg.length; i += 2) {
    const bound = arg[i + 1] as number;
    const ok = {
      '<': value < bound,
      '<=': value <= bound,
      '=': value === bound,
      '>': value > bound,
      '>=': value >= bound,
    }[arg[i] as '<' | '<=' | '=' | '>' | '>='];
    if (!ok) return false;
  }
  return true;
}

function anythingBut(value: unknown, arg: Json): boolean {
  if (Array.isArray(arg)) return !arg.some((a) => a === value);
  if (isObject(arg)) {
    const [op, inner] = Object.entries(arg)[0] as [string, Json];
    if (op === 'prefix') return typeof value === 'string' && !value.startsWith(inner as string);
    if (op === 'suffix') return typeof value === 'string' && !value.endsWith(inner as string);
    if (op === 'wildcard')
      return typeof value === 'string' && !wildcardMatch(value, inner as string);
    if (op === 'equals-ignore-case') {
      const list = (Array.isArray(inner) ? inner : [inner]) as string[];
      return (
        typeof value === 'string' && !list.some((s) => s.toLowerCase() === value.toLowerCase())
      );
    }
    return false;
  }
  return value !== arg;
}

/** Whether one event value satisfies one element of a match array. */
function elementMatches(value: unknown, matcher: Json): boolean {
  if (!isObject(matcher)) return value === matcher;
  if (isIntrinsic(matcher)) return false;
  const [op, arg] = Object.entries(matcher)[0] as [string, Json];
  switch (op) {
    case 'prefix':
      return affix(value, arg, startsWith);
    case 'suffix':
      return affix(value, arg, endsWith);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof arg === 'string' &&
        value.toLowerCase() === arg.toLowerCase()
      );
    case 'wildcard':
      return wildcardMatch(value, arg as string);
    case 'numeric':
      return numericMatch(value, arg);
    case 'cidr':
      return inCidr(value, arg as string);
    case 'anything-but':
      return anythingBut(value, arg);
    default:
      return false;
  }
}

function fieldMatches(values: unknown[] | undefined, matchers: Json[]): boolean {
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) {
      return m.exists === true ? values !== undefined && values.length > 0 : values === undefined;
    }
    return values?.some((v) => elementMatches(v, m)) ?? false;
  });
}

function objectMatches(pattern: JsonObject, value: unknown): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') return (sub as JsonObject[]).some((alt) => objectMatches(alt, value));
    const values = valuesAt(value, key);
    if (Array.isArray(sub)) return fieldMatches(values, sub);
    if (isObject(sub))
      return !isIntrinsic(sub) && values !== undefined && objectMatches(sub, values);
    return false;
  });
}

/** Whether `event` matches a pattern that passed checkEventPattern. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return isObject(pattern) && objectMatches(pattern, event);
}
