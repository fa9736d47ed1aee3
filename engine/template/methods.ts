import { isPlainObject } from '../values.ts';
import { TemplateError } from './expression.ts';
import { asList, asString, deepEqual, force, LazyMap, materialize, toText } from './values.ts';

/**
 * Python methods callable on template values (`name.split(',')`, `cfg.items()`). Only the names
 * in these tables exist; nothing reaches a JavaScript prototype, so `x.constructor(...)` or
 * `x.__class__.mro()` is an unknown method, not an escape.
 */

const WHITESPACE = ' \t\n\r\v\f';

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? WHITESPACE : toText(chars);
  let a = 0;
  let b = s.length;
  while (left && a < b && set.includes(s[a]!)) a++;
  while (right && b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    const words = s.trim().split(/\s+/).filter(Boolean);
    if (limit === Infinity || words.length <= limit) return words;
    const out: string[] = [];
    let rest = s.trimStart();
    for (let n = 0; n < limit; n++) {
      const m = /^(\S+)\s+/.exec(rest)!;
      out.push(m[1]!);
      rest = rest.slice(m[0].length);
    }
    return [...out, rest];
  }
  const parts = s.split(toText(sep));
  if (parts.length - 1 <= limit) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(toText(sep))];
}

function pyRsplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  if (typeof maxsplit !== 'number' || maxsplit < 0 || sep === undefined || sep === null) return pySplit(s, sep, maxsplit);
  const parts = s.split(toText(sep));
  if (parts.length - 1 <= maxsplit) return parts;
  const keep = parts.length - maxsplit;
  return [parts.slice(0, keep).join(toText(sep)), ...parts.slice(keep)];
}

function prefixes(v: unknown): string[] {
  return Array.isArray(v) ? v.map(toText) : [toText(v)];
}

/** `'{} {}'.format(a, b)` and `'{0}'` / `'{name}'`. */
function braceFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([A-Za-z0-9_]*)\}/g, (m, field: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (field === '' || field === undefined) return toText(args[auto++]);
    if (/^[0-9]+$/.test(field)) return toText(args[Number(field)]);
    if (!Object.hasOwn(kwargs, field)) throw new TemplateError(`format: no value for '{${field}}'`);
    return toText(kwargs[field]);
  });
}

const STRING_METHODS: Record<string, (s: string, args: unknown[], kwargs: Record<string, unknown>) => unknown> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  title: (s) => s.replace(/[A-Za-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  strip: (s, [chars]) => stripChars(s, chars, true, true),
  lstrip: (s, [chars]) => stripChars(s, chars, true, false),
  rstrip: (s, [chars]) => stripChars(s, chars, false, true),
  split: (s, [sep, max], kw) => pySplit(s, sep ?? kw['sep'], max ?? kw['maxsplit']),
  rsplit: (s, [sep, max], kw) => pyRsplit(s, sep ?? kw['sep'], max ?? kw['maxsplit']),
  splitlines: (s) => s.split(/\r\n|\n|\r/).filter((line, i, all) => i < all.length - 1 || line !== ''),
  startswith: (s, [p]) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s, [p]) => prefixes(p).some((x) => s.endsWith(x)),
  replace: (s, [a, b, count]) => {
    const parts = s.split(toText(a));
    const n = typeof count === 'number' && count >= 0 ? count : parts.length;
    return parts.slice(0, n + 1).join(toText(b)) + (parts.length > n + 1 ? toText(a) + parts.slice(n + 1).join(toText(a)) : '');
  },
  find: (s, [sub]) => s.indexOf(toText(sub)),
  rfind: (s, [sub]) => s.lastIndexOf(toText(sub)),
  index: (s, [sub]) => {
    const i = s.indexOf(toText(sub));
    if (i < 0) throw new TemplateError(`substring ${JSON.stringify(sub)} not found`);
    return i;
  },
  count: (s, [sub]) => (toText(sub) === '' ? s.length + 1 : s.split(toText(sub)).length - 1),
  join: (s, [items]) => asList(items, 'join()').map(toText).join(s),
  format: (s, args, kwargs) => braceFormat(s, args, kwargs),
  zfill: (s, [w]) => (s.startsWith('-') ? '-' + s.slice(1).padStart(Number(w) - 1, '0') : s.padStart(Number(w), '0')),
  center: (s, [w, fill]) => {
    const total = Math.max(0, Number(w) - s.length);
    const f = fill === undefined ? ' ' : toText(fill);
    const left = Math.floor(total / 2) + (total % 2 === 1 && s.length % 2 === 1 ? 1 : 0);
    return f.repeat(left) + s + f.repeat(total - left);
  },
  isdigit: (s) => /^[0-9]+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isalnum: (s) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s) => /^\s+$/.test(s),
  islower: (s) => /[a-z]/.test(s) && s === s.toLowerCase(),
  isupper: (s) => /[A-Z]/.test(s) && s === s.toUpperCase(),
};

const LIST_METHODS: Record<string, (l: unknown[], args: unknown[]) => unknown> = {
  index: (l, [x]) => {
    const i = l.findIndex((y) => deepEqual(x, y));
    if (i < 0) throw new TemplateError(`${JSON.stringify(x)} is not in the list`);
    return i;
  },
  count: (l, [x]) => l.filter((y) => deepEqual(x, y)).length,
};

const MAP_METHODS: Record<string, (m: Record<string, unknown>, args: unknown[]) => unknown> = {
  items: (m) => Object.entries(m),
  keys: (m) => Object.keys(m),
  values: (m) => Object.values(m),
  get: (m, [k, fallback]) => (Object.hasOwn(m, toText(k)) ? m[toText(k)] : (fallback ?? null)),
};

function pick<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

export function callMethod(self: unknown, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  if (self instanceof LazyMap && name === 'get') return self.has(toText(args[0])) ? self.get(toText(args[0])) : (args[1] ?? null);
  const v = materialize(force(self));
  const forString = typeof v === 'string' ? pick(STRING_METHODS, name) : undefined;
  if (forString) return forString(asString(v, name), args, kwargs);
  const forList = Array.isArray(v) ? pick(LIST_METHODS, name) : undefined;
  if (forList) return forList(v as unknown[], args);
  const forMap = isPlainObject(v) ? pick(MAP_METHODS, name) : undefined;
  if (forMap) return forMap(v as Record<string, unknown>, args);
  const kind = typeof v === 'string' ? 'a string' : Array.isArray(v) ? 'a list' : isPlainObject(v) ? 'a map' : JSON.stringify(v);
  throw new TemplateError(`unknown method '${name}()' on ${kind}`);
}

export const METHOD_NAMES: Readonly<Record<'string' | 'list' | 'map', readonly string[]>> = {
  string: Object.keys(STRING_METHODS),
  list: Object.keys(LIST_METHODS),
  map: Object.keys(MAP_METHODS),
};

