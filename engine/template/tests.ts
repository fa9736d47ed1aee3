import { isPlainObject } from '../values.ts';
import { TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';
import { asList, deepEqual, force, LazyMap, materialize, order, toText, truthy } from './values.ts';

/** Test names usable after `is` / `is not`, one line each for the README. */
export const TESTS: Readonly<Record<string, string>> = {
  defined: 'the value exists',
  undefined: 'the value does not exist',
  none: 'the value is null',
  string: 'the value is a string',
  number: 'the value is a number',
  integer: 'the value is a whole number',
  float: 'the value is a number with a fraction',
  boolean: 'the value is true or false',
  mapping: 'the value is a map',
  sequence: 'the value is a list or a string',
  iterable: 'the value is a list, map or string',
  true: 'the value is true',
  false: 'the value is false',
  truthy: 'the value counts as true (non-empty, non-zero)',
  falsy: 'the value counts as false',
  changed: 'a registered result reports a change',
  failed: 'a registered result reports a failure; alias failure',
  succeeded: 'a registered result did not fail; alias success',
  skipped: 'a registered result was skipped',
  version: "version(other, op='==') : compares dotted versions numerically (op: < <= == != >= > or lt le eq ne ge gt); alias version_compare",
  match: 'match(regex): the regex matches at the start of the string',
  search: 'search(regex): the regex matches anywhere in the string',
  regex: "regex(regex, match_type='search'): like search, or match with match_type='match'",
  equalto: 'equalto(x): equal to x; aliases eq, ==',
  ne: 'ne(x): not equal to x; alias !=',
  lt: 'lt(x) / le / gt / ge: ordered comparisons; aliases < <= > >=',
  in: 'in(list): the value is an item of the list (or a substring, or a key)',
  contains: 'contains(x): the list contains x',
  subset: 'subset(list): every item is in the list',
  superset: 'superset(list): every item of the list is in the value',
  divisibleby: 'divisibleby(n): the number is a multiple of n',
  even: 'the number is even',
  odd: 'the number is odd',
  lower: 'the string is lower-case',
  upper: 'the string is upper-case',
};

const ALIASES: Readonly<Record<string, string>> = {
  success: 'succeeded', failure: 'failed', version_compare: 'version', eq: 'equalto', '==': 'equalto',
  '!=': 'ne', '<': 'lt', '<=': 'lt', '>': 'lt', '>=': 'lt', le: 'lt', gt: 'lt', ge: 'lt', greaterthan: 'lt', lessthan: 'lt',
};

/** The ordered comparisons, all handled as test 'lt' after aliasing. */
const ORDERINGS: Readonly<Record<string, (c: number) => boolean>> = {
  lt: (c) => c < 0, '<': (c) => c < 0, lessthan: (c) => c < 0, le: (c) => c <= 0, '<=': (c) => c <= 0,
  gt: (c) => c > 0, '>': (c) => c > 0, greaterthan: (c) => c > 0, ge: (c) => c >= 0, '>=': (c) => c >= 0,
};

export function isKnownTest(name: string): boolean {
  return Object.hasOwn(TESTS, name) || Object.hasOwn(ALIASES, name);
}

function resultFlag(v: unknown, key: string, test: string): boolean {
  if (!isPlainObject(v)) throw new TemplateError(`test '${test}' needs a registered result (a map), got ${JSON.stringify(v)}`);
  if (Array.isArray(v['results']) && key !== 'skipped') return v['results'].some((r) => isPlainObject(r) && r[key] === true);
  return v[key] === true;
}

/** Python's `re` syntax mostly is JavaScript's; named groups `(?P<n>...)` are the difference. */
export function pythonRegex(pattern: unknown, flags = ''): RegExp {
  const src = toText(pattern).replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>');
  try {
    return new RegExp(src, flags);
  } catch (error) {
    throw new TemplateError(`invalid regular expression ${JSON.stringify(src)}: ${(error as Error).message}`);
  }
}

function versionParts(v: string): (number | string)[] {
  return (v.match(/\d+|[a-z]+/gi) ?? []).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

const VERSION_OPS: Readonly<Record<string, (c: number) => boolean>> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0, '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

function contains(container: unknown, item: unknown): boolean {
  if (container instanceof LazyMap) return container.has(toText(item));
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (isPlainObject(container)) return Object.hasOwn(container, toText(item));
  throw new TemplateError(`'in' needs a string, list or map on its right, got ${JSON.stringify(container)}`);
}
export { contains as containsValue };

export function applyTest(rawName: string, raw: unknown, args: unknown[], kwargs: Record<string, unknown> = {}): boolean {
  if (rawName === 'defined') return !(raw instanceof Undefined);
  if (rawName === 'undefined') return raw instanceof Undefined;
  const name = Object.hasOwn(ALIASES, rawName) ? ALIASES[rawName]! : rawName;
  const v = materialize(force(raw));
  const a0 = args[0];
  switch (name) {
    case 'none':
      return v === null || v === undefined;
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
      return typeof v === 'number' && !Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'mapping':
      return isPlainObject(v);
    case 'sequence':
      return Array.isArray(v) || typeof v === 'string';
    case 'iterable':
      return Array.isArray(v) || typeof v === 'string' || isPlainObject(v);
    case 'true':
      return v === true;
    case 'false':
      return v === false;
    case 'truthy':
      return truthy(v);
    case 'falsy':
      return !truthy(v);
    case 'changed':
      return resultFlag(v, 'changed', name);
    case 'failed':
      return resultFlag(v, 'failed', name);
    case 'succeeded':
      return !resultFlag(v, 'failed', name);
    case 'skipped':
      return resultFlag(v, 'skipped', name);
    case 'version': {
      const op = toText(args[1] ?? kwargs['operator'] ?? '==');
      const check = Object.hasOwn(VERSION_OPS, op) ? VERSION_OPS[op]! : undefined;
      if (!check) throw new TemplateError(`test 'version': unknown operator ${JSON.stringify(op)}`);
      return check(compareVersions(toText(v), toText(a0)));
    }
    case 'match':
      return pythonRegex(a0, kwargs['ignorecase'] === true ? 'i' : '').exec(toText(v))?.index === 0;
    case 'search':
      return pythonRegex(a0, kwargs['ignorecase'] === true ? 'i' : '').test(toText(v));
    case 'regex': {
      const re = pythonRegex(a0, kwargs['ignorecase'] === true ? 'i' : '');
      return (args[2] ?? kwargs['match_type']) === 'match' ? re.exec(toText(v))?.index === 0 : re.test(toText(v));
    }
    case 'equalto':
      return deepEqual(v, a0);
    case 'ne':
      return !deepEqual(v, a0);
    case 'lt':
      return ORDERINGS[rawName]!(order(v, a0, rawName));
    case 'in':
      return contains(force(a0), v);
    case 'contains':
      return contains(v, a0);
    case 'subset':
      return asList(v, 'subset').every((x) => contains(force(a0), x));
    case 'superset':
      return asList(a0, 'superset').every((x) => contains(v, x));
    case 'divisibleby':
      return typeof v === 'number' && typeof a0 === 'number' && v % a0 === 0;
    case 'even':
      return typeof v === 'number' && v % 2 === 0;
    case 'odd':
      return typeof v === 'number' && Math.abs(v % 2) === 1;
    case 'lower':
      return typeof v === 'string' && v === v.toLowerCase();
    case 'upper':
      return typeof v === 'string' && v === v.toUpperCase();
  }
  throw new TemplateSyntaxError(`unknown test '${rawName}' (known: ${Object.keys(TESTS).join(', ')})`);
}
