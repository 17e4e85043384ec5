/**
 * EventBridge event patterns: the checks EventBridge applies when a rule is
 * created (every field value an array or a nested object, no empty arrays,
 * known operators with well-formed arguments, numeric bounds and ranges,
 * wildcard escapes), and matching of an event against a pattern. Pure: no I/O.
 *
 * Matching follows EventBridge: fields AND, the values of a match array OR,
 * leaves only. Exact values (strings, numbers, booleans, null), prefix and
 * suffix (plain or ignoring case), equals-ignore-case, wildcard, anything-but
 * (values, prefix, suffix, equals-ignore-case, wildcard), exists, numeric,
 * cidr (IPv4 and IPv6) and $or. Arrays in the event match when one element
 * does, and the fields of one pattern object must match inside the same
 * element (EventBridge's array-consistent matching of JSON events).
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
/** The range EventBridge compares numbers in; a bound outside it is rejected. */
const NUMERIC_LIMIT = 5e9;

/**
 * As EventBridge compiles it: `["=", n]`, `["<" | "<=", n]`, `[">" | ">=", n]`, or a range
 * `[">" | ">=", low, "<" | "<=", high]` with low below high.
 */
function checkNumeric(arg: Json, where: string, errors: string[]) {
  const shape = `${where}: "numeric" takes [op, number] (op one of <, <=, =, >, >=) or [">" | ">=", low, "<" | "<=", high]`;
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    errors.push(shape);
    return;
  }
  for (let i = 0; i < arg.length; i += 2) {
    if (typeof arg[i] !== 'string' || !NUMERIC_OPS.has(arg[i] as string)) {
      errors.push(
        `${where}: "numeric" operator ${JSON.stringify(arg[i])} is not one of <, <=, =, >, >=`,
      );
      return;
    }
    const n = arg[i + 1];
    if (typeof n !== 'number') {
      errors.push(`${where}: "numeric" value ${JSON.stringify(n)} is not a number`);
      return;
    }
    if (Math.abs(n) > NUMERIC_LIMIT) {
      errors.push(
        `${where}: "numeric" value ${n} is outside -5e9..5e9, the range EventBridge compares`,
      );
      return;
    }
  }
  if (arg.length === 4) {
    const low = arg[1] as number;
    const high = arg[3] as number;
    if (!(arg[0] === '>' || arg[0] === '>=') || !(arg[2] === '<' || arg[2] === '<=')) {
      errors.push(`${where}: a "numeric" range is [">" | ">=", low, "<" | "<=", high]`);
    } else if (!(low < high)) {
      errors.push(`${where}: "numeric" range ${low}..${high} is empty (low must be below high)`);
    }
  }
}

/** EventBridge rejects "**" and a backslash escaping anything but "*" or "\\". */
function checkWildcard(glob: string, where: string, errors: string[]) {
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      const next = glob[i + 1];
      if (next !== '*' && next !== '\\') {
        errors.push(`${where}: "wildcard" may escape only "*" and "\\" with a backslash`);
        return;
      }
      i++;
    } else if (c === '*' && glob[i + 1] === '*') {
      errors.push(`${where}: "wildcard" may not have consecutive "*"`);
      return;
    }
  }
}

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

const stringOrStrings = (v: Json) =>
  typeof v === 'string' ||
  (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'string'));

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
    if ((op === 'prefix' || op === 'suffix') && typeof inner === 'string') {
      if (inner === '') errors.push(`${where}: "anything-but" "${op}" may not be empty`);
      return;
    }
    if (op === 'equals-ignore-case' && stringOrStrings(inner)) return;
    if (op === 'wildcard' && stringOrStrings(inner)) {
      for (const glob of Array.isArray(inner) ? inner : [inner]) {
        checkWildcard(glob as string, where, errors);
      }
      return;
    }
  }
  errors.push(
    `${where}: "anything-but" takes a string, a number, a non-empty array of them, or one of {"prefix"|"suffix": string}, {"equals-ignore-case"|"wildcard": string or strings}`,
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
      if (typeof arg !== 'string') errors.push(`${where}: "${op}" takes a string`);
      break;
    case 'wildcard':
      if (typeof arg !== 'string') errors.push(`${where}: "${op}" takes a string`);
      else checkWildcard(arg, where, errors);
      break;
    case 'exists':
      if (typeof arg !== 'boolean') errors.push(`${where}: "exists" takes true or false`);
      break;
    case 'numeric':
      checkNumeric(arg, where, errors);
      break;
    case 'cidr':
      if (typeof arg !== 'string' || parseCidr(arg) === undefined) {
        errors.push(`${where}: "cidr" takes an IP prefix such as "10.0.0.0/24" or "2001:db8::/32"`);
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

// ---- matching ----

/** An address as a big integer with its width in bits (32 for IPv4, 128 for IPv6). */
type Address = { readonly value: bigint; readonly bits: 32 | 128 };

function parseIpv4(text: string): Address | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256n + BigInt(p);
  }
  return { value: n, bits: 32 };
}

function parseIpv6(text: string): Address | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = n * 65536n + BigInt(`0x${g}`);
  }
  return { value: n, bits: 128 };
}

const parseIp = (text: string) => parseIpv4(text) ?? parseIpv6(text);

function parseCidr(text: string): { base: Address; prefix: number } | undefined {
  const slash = text.lastIndexOf('/');
  if (slash === -1) return undefined;
  const base = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= base.bits ? { base, prefix } : undefined;
}

function inCidr(value: unknown, cidr: string): boolean {
  const range = parseCidr(cidr);
  const ip = typeof value === 'string' ? parseIp(value) : undefined;
  if (range === undefined || ip === undefined || ip.bits !== range.base.bits) return false;
  const shift = BigInt(ip.bits - range.prefix);
  return ip.value >> shift === range.base.value >> shift;
}

function wildcardMatch(value: unknown, glob: string): boolean {
  if (typeof value !== 'string') return false;
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i] as string);
    else source += c === '*' ? '.*' : escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
    if (typeof value !== 'string') return false;
    const list = (Array.isArray(inner) ? inner : [inner]) as string[];
    if (op === 'prefix') return !value.startsWith(inner as string);
    if (op === 'suffix') return !value.endsWith(inner as string);
    if (op === 'wildcard') return !list.some((glob) => wildcardMatch(value, glob));
    if (op === 'equals-ignore-case') {
      return !list.some((s) => s.toLowerCase() === value.toLowerCase());
    }
    return false;
  }
  return value !== arg;
}

/** Whether one leaf value of the event satisfies one element of a match array. */
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

const isExistsFalse = (m: Json) => isObject(m) && m.exists === false;

/** The leaf values (not objects) at `key` of `node`, arrays flattened. */
function leavesAt(node: JsonObject, key: string): unknown[] {
  const out: unknown[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) for (const e of v) visit(e);
    else if (!isObject(v) && v !== undefined) out.push(v);
  };
  visit(node[key]);
  return out;
}

export interface MatchOptions {
  /**
   * Leaf paths ("detail.clusterArn") whose value is taken as matching whenever the event
   * has one: how a pattern is judged within its own scope. `exists: false` is still
   * evaluated, since no value inside the scope can satisfy it.
   */
  readonly assumed?: ReadonlySet<string>;
}

function leafMatches(values: unknown[], matchers: Json[], assumed: boolean): boolean {
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m)
      return m.exists === true ? values.length > 0 : values.length === 0;
    if (assumed && values.length > 0) return !isExistsFalse(m);
    return values.some((v) => elementMatches(v, m));
  });
}

/**
 * Whether `node` matches `pattern`. Arrays in the event are crossed as EventBridge does for
 * JSON events: every field of one pattern object must match within the same array element,
 * never across two elements of the same array.
 */
function nodeMatches(
  pattern: JsonObject,
  node: unknown,
  path: string,
  options: MatchOptions,
): boolean {
  if (Array.isArray(node)) {
    const elements = node.flat(Number.POSITIVE_INFINITY);
    if (elements.length === 0) return nodeMatches(pattern, {}, path, options);
    return elements.some((e) => nodeMatches(pattern, e, path, options));
  }
  const object: JsonObject = isObject(node) ? node : {};
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') {
      return (sub as JsonObject[]).some((alt) => nodeMatches(alt, object, path, options));
    }
    const at = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(sub)) {
      return leafMatches(leavesAt(object, key), sub, options.assumed?.has(at) ?? false);
    }
    if (isObject(sub)) return !isIntrinsic(sub) && nodeMatches(sub, object[key], at, options);
    return false;
  });
}

/** Whether `event` matches a pattern that passed checkEventPattern. */
export function matchesEventPattern(
  pattern: unknown,
  event: unknown,
  options: MatchOptions = {},
): boolean {
  return isObject(pattern) && nodeMatches(pattern, event, '', options);
}

/** Every leaf path of the pattern with its match array, through `$or` alternatives. */
export function patternLeaves(pattern: unknown): { path: string; matchers: unknown[] }[] {
  const out: { path: string; matchers: unknown[] }[] = [];
  const visit = (node: JsonObject, path: string) => {
    for (const [key, sub] of Object.entries(node)) {
      if (key === '$or' && Array.isArray(sub)) {
        for (const alt of sub) if (isObject(alt)) visit(alt, path);
        continue;
      }
      const at = path === '' ? key : `${path}.${key}`;
      if (Array.isArray(sub)) out.push({ path: at, matchers: sub });
      else if (isObject(sub) && !isIntrinsic(sub)) visit(sub, at);
    }
  };
  if (isObject(pattern)) visit(pattern, '');
  return out;
}
