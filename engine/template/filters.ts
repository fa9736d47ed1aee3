import { asBool, isPlainObject } from '../values.ts';
import { createHash, getHashes } from 'node:crypto';
import { basename, dirname, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isCryptScheme, randomSalt, shaCrypt } from './crypt.ts';
import { TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';
import { pythonJson, pythonYaml, shellQuote } from './serialise.ts';
import { applyTest, containsValue, pythonRegex } from './tests.ts';
import { asList, asString, deepEqual, force, mapOf, member, materialize, number, order, percentFormat, toText, truthy, UndefinedVariableError } from './values.ts';

/** Filter names with one line each, for the README. */
export const FILTERS: Readonly<Record<string, string>> = {
  default: "default(v) / default(v, true): v when the value is undefined (or, with true, also when it is empty/false); alias d",
  mandatory: 'fail with the variable name when the value is undefined',
  ternary: 'ternary(a, b, none=b): a when the value is true, else b',
  join: "join(sep=''): join a list into a string",
  split: "split(sep=' '): split a string into a list",
  lower: 'lower-case a string',
  upper: 'upper-case a string',
  capitalize: 'first letter upper-case, the rest lower-case',
  title: 'every word capitalised',
  trim: 'strip leading and trailing whitespace',
  replace: 'replace(a, b): replace every a with b',
  indent: 'indent(width=4, first=false): indent every line but the first (or all)',
  format: "format(args...): Python %-formatting ('%s:%d' | format(host, port))",
  regex_replace: "regex_replace(pattern, replacement=''): replace every match; \\\\1 and \\\\g<name> refer to groups",
  regex_search: "regex_search(pattern, '\\\\1'...): the first match (or its groups), none when no match",
  regex_findall: 'regex_findall(pattern): every match',
  regex_escape: 'escape regex special characters',
  quote: 'quote for a POSIX shell (as Python shlex.quote)',
  length: 'number of items of a list or map, or characters of a string; alias count',
  first: 'first item of a list (or character of a string)',
  last: 'last item of a list (or character of a string)',
  sort: 'sort(reverse=false, attribute=none): sort a list',
  reverse: 'reverse a list or string',
  unique: 'drop repeated items of a list, keeping the first',
  min: 'min(attribute=none): the smallest item',
  max: 'max(attribute=none): the largest item',
  sum: 'sum(attribute=none, start=0): add the items',
  map: "map('filter', args...) or map(attribute='a.b', default=x): apply to every item",
  select: "select('test', args...): the items that pass the test (truthy without a test)",
  reject: "reject('test', args...): the items that fail the test",
  selectattr: "selectattr('attr', 'test', args...): the items whose attribute passes the test",
  rejectattr: "rejectattr('attr', 'test', args...): the items whose attribute fails the test",
  extract: "extract(container, key=none): container[item] (groups.web | map('extract', hostvars, 'ansible_host'))",
  flatten: 'flatten(levels=none): flatten nested lists; nulls dropped',
  zip: 'zip(list...): lists of the items at the same position',
  zip_longest: 'zip_longest(list..., fillvalue=none): zip to the longest list',
  product: 'product(list...): the cartesian product',
  union: 'union(list): items of both, once each',
  intersect: 'intersect(list): items in both',
  difference: 'difference(list): items not in the other',
  symmetric_difference: 'symmetric_difference(list): items in exactly one',
  combine: 'combine(map..., recursive=false): merge maps, later ones win',
  dict2items: "dict2items(key_name='key', value_name='value'): a map as a list of {key, value}",
  items2dict: "items2dict(key_name='key', value_name='value'): the reverse of dict2items",
  dict: 'a list of [key, value] pairs as a map',
  items: 'a map as a list of [key, value] pairs',
  dictsort: 'a map as a list of [key, value] pairs, sorted by key',
  list: 'a list (of the characters of a string, the keys of a map)',
  int: 'convert to an integer (0 when not a number, or int(default))',
  float: 'convert to a number (0 when not a number)',
  abs: 'absolute value',
  round: "round(precision=0, method='common'|'ceil'|'floor')",
  string: 'convert to a string (lists and maps as JSON)',
  bool: "convert to a boolean: true, yes, on, 1 (any case) are true",
  type_debug: "the Python type name of the value (str, int, float, bool, list, dict, NoneType)",
  b64encode: 'base64-encode a string (UTF-8)',
  b64decode: 'base64-decode to a string (UTF-8)',
  hash: "hash('sha1'): hex digest (md5, sha1, sha256, sha512, ...)",
  checksum: 'sha1 hex digest',
  md5: 'md5 hex digest',
  sha1: 'sha1 hex digest',
  password_hash: "password_hash('sha512'|'sha256', salt=random): crypt(3) SHA-crypt hash for /etc/shadow",
  to_json: 'serialise as JSON with Python\'s separators (", ", ": ")',
  to_nice_json: 'serialise as JSON, indent 4, keys sorted',
  to_yaml: 'serialise as YAML, keys sorted, collections of scalars inline',
  to_nice_yaml: 'serialise as YAML, indent 4, keys sorted, block style',
  from_json: 'parse a JSON string',
  from_yaml: 'parse a YAML string',
  basename: 'last component of a path',
  dirname: 'path without its last component',
  splitext: 'a path as [root, extension]',
};

const ALIASES: Readonly<Record<string, string>> = { d: 'default', count: 'length' };

export function isKnownFilter(name: string): boolean {
  return Object.hasOwn(FILTERS, name) || Object.hasOwn(ALIASES, name);
}

type Kw = Record<string, unknown>;

const LAZY_ARGUMENTS = new Set(['extract', 'map', 'select', 'reject', 'selectattr', 'rejectattr']);

function toInt(v: unknown, fallback: unknown, base = 10): unknown {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && base !== 10) {
    const n = parseInt(v.trim().replace(/^0[xob]/i, ''), base);
    return Number.isNaN(n) ? fallback : n;
  }
  if (typeof v === 'string' && /^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$/.test(v)) return Math.trunc(Number(v));
  return fallback;
}

/** `a.b.0` on an item, as map(attribute=) and selectattr take it. */
function attribute(item: unknown, path: string): unknown {
  let v: unknown = item;
  for (const key of path.split('.')) v = member(v, /^[0-9]+$/.test(key) && Array.isArray(v) ? Number(key) : key, path);
  return v;
}

function flatten(list: unknown[], levels: number | undefined, depth = 0): unknown[] {
  const out: unknown[] = [];
  for (const x of list) {
    if (x === null || x === 'None') continue;
    if (Array.isArray(x) && (levels === undefined || depth < levels)) out.push(...flatten(x, levels, depth + 1));
    else out.push(x);
  }
  return out;
}

function uniq(list: unknown[]): unknown[] {
  return list.filter((x, i) => list.findIndex((y) => deepEqual(x, y)) === i);
}

function mergeMaps(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean): Record<string, unknown> {
  const out = mapOf(Object.entries(a));
  for (const [k, v] of Object.entries(b)) {
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    const value = recursive && isPlainObject(prev) && isPlainObject(v) ? mergeMaps(prev, v, true) : v;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Python's re.sub replacement syntax (`\1`, `\g<1>`, `\g<name>`) in JavaScript's (`$1`, `$<name>`). */
function pythonReplacement(s: string): string {
  return s
    .replace(/\$/g, '$$$$')
    .replace(/\\g<([0-9]+)>/g, '$$$1')
    .replace(/\\g<([A-Za-z_][A-Za-z0-9_]*)>/g, '$$<$1>')
    .replace(/\\([0-9]{1,2})/g, '$$$1')
    .replace(/\\n/g, '\n')
    .replace(/\\\\/g, '\\');
}

function regexFlags(kw: Kw, global: boolean): string {
  return (global ? 'g' : '') + (kw['ignorecase'] === true ? 'i' : '') + (kw['multiline'] === true ? 'm' : '');
}

function regexSearch(s: string, pattern: unknown, groups: unknown[], kw: Kw): unknown {
  const m = pythonRegex(pattern, regexFlags(kw, false)).exec(s);
  if (!m) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const ref = /^\\g<([A-Za-z_][A-Za-z0-9_]*)>$/.exec(toText(g));
    if (ref) return m.groups?.[ref[1]!] ?? null;
    const n = /^\\([0-9]+)$/.exec(toText(g));
    if (!n) throw new TemplateError(`regex_search: a group is written '\\\\1' or '\\\\g<name>', got ${JSON.stringify(g)}`);
    return m[Number(n[1])] ?? null;
  });
}

function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

function digest(v: unknown, algorithm: string): string {
  if (!getHashes().includes(algorithm)) throw new TemplateError(`hash: unknown algorithm ${JSON.stringify(algorithm)}`);
  return createHash(algorithm).update(toText(v), 'utf8').digest('hex');
}

function pick(list: unknown[], how: 'min' | 'max', attr: unknown): unknown {
  if (list.length === 0) return new Undefined(`${how} of an empty list`);
  const key = (x: unknown): unknown => (attr === undefined ? x : force(attribute(x, toText(attr))));
  return list.reduce((best, x) => (order(key(x), key(best)) * (how === 'min' ? -1 : 1) > 0 ? x : best));
}

function roundTo(v: number, precision: number, method: string): number {
  const f = 10 ** precision;
  if (method === 'ceil') return Math.ceil(v * f) / f;
  if (method === 'floor') return Math.floor(v * f) / f;
  return Math.round((v + Number.EPSILON * Math.sign(v)) * f) / f;
}

function selectBy(list: unknown[], args: unknown[], attr: string | undefined, keep: boolean): unknown[] {
  const [test, ...testArgs] = args;
  return list.filter((item) => {
    const value = attr === undefined ? item : attribute(item, attr);
    const passes = test === undefined ? !(value instanceof Undefined) && truthy(value) : applyTest(toText(test), value, testArgs);
    return passes === keep;
  });
}

/** Filters that accept an undefined value; every other filter fails on one with its name. */
function undefinedAware(name: string, raw: unknown, args: unknown[]): { value: unknown } | undefined {
  if (name === 'default') {
    const useIfFalsy = args[1] === true;
    if (raw instanceof Undefined || (useIfFalsy && !truthy(raw))) return { value: args[0] ?? '' };
    return { value: raw };
  }
  if (name === 'mandatory') {
    if (raw instanceof Undefined) {
      if (typeof args[0] === 'string') throw new TemplateError(args[0]);
      throw new UndefinedVariableError(raw.variable);
    }
    return { value: raw };
  }
  return undefined;
}

export function applyFilter(rawName: string, raw: unknown, args: unknown[], kw: Kw = {}): unknown {
  const name = Object.hasOwn(ALIASES, rawName) ? ALIASES[rawName]! : rawName;
  if (!Object.hasOwn(FILTERS, name)) throw new TemplateSyntaxError(`unknown filter '${rawName}' (known: ${Object.keys(FILTERS).join(', ')})`);
  if (name === 'default' && kw['boolean'] !== undefined) args = [args[0], kw['boolean']];
  const special = undefinedAware(name, raw, args);
  if (special) return special.value;
  const v = materialize(force(raw));
  // These pass their arguments on to extract, which reads single keys of hostvars: kept lazy.
  if (!LAZY_ARGUMENTS.has(name)) args = args.map((a) => materialize(a));
  const [a0, a1] = args;
  switch (name) {
    case 'ternary':
      if (v === null && args.length > 2) return args[2];
      return truthy(v) ? a0 : a1;
    case 'join':
      return asList(v, name).map((x) => toText(kw['attribute'] === undefined ? x : attribute(x, toText(kw['attribute'])))).join(a0 === undefined ? '' : toText(a0));
    case 'split': {
      const s = asString(v, name);
      return a0 === undefined ? s.split(/\s+/).filter(Boolean) : s.split(toText(a0));
    }
    case 'lower':
      return asString(v, name).toLowerCase();
    case 'upper':
      return asString(v, name).toUpperCase();
    case 'capitalize':
      return toText(v).charAt(0).toUpperCase() + toText(v).slice(1).toLowerCase();
    case 'title':
      return toText(v).replace(/[A-Za-z0-9]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
    case 'trim':
      return asString(v, name).trim();
    case 'replace':
      return asString(v, name).split(toText(a0)).join(toText(a1 ?? ''));
    case 'indent': {
      const pad = typeof (a0 ?? kw['width']) === 'string' ? toText(a0 ?? kw['width']) : ' '.repeat(Number(a0 ?? kw['width'] ?? 4));
      const first = (a1 ?? kw['first']) === true;
      return toText(v).split('\n').map((line, i) => ((i > 0 || first) && line !== '' ? pad + line : line)).join('\n');
    }
    case 'format':
      return percentFormat(asString(v, name), args);
    case 'regex_replace':
      return toText(v).replace(pythonRegex(a0, regexFlags(kw, true)), pythonReplacement(toText(a1 ?? kw['replacement'] ?? '')));
    case 'regex_search':
      return regexSearch(toText(v), a0, args.slice(1), kw);
    case 'regex_findall':
      return [...toText(v).matchAll(pythonRegex(a0, regexFlags(kw, true)))].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0])));
    case 'regex_escape':
      return toText(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    case 'quote':
      return shellQuote(toText(v));
    case 'length':
      if (isPlainObject(v)) return Object.keys(v).length;
      return asList(v, name).length;
    case 'first':
      return asList(v, name)[0] ?? new Undefined(`${name} of an empty list`);
    case 'last':
      return asList(v, name).at(-1) ?? new Undefined(`${name} of an empty list`);
    case 'sort': {
      const attr = kw['attribute'];
      const key = (x: unknown): unknown => (attr === undefined ? x : force(attribute(x, toText(attr))));
      const sorted = [...asList(v, name)].sort((x, y) => order(key(x), key(y)));
      return (a0 ?? kw['reverse']) === true ? sorted.reverse() : sorted;
    }
    case 'reverse':
      return typeof v === 'string' ? [...v].reverse().join('') : [...asList(v, name)].reverse();
    case 'unique':
      return uniq(asList(v, name));
    case 'min':
    case 'max':
      return pick(asList(v, name), name, kw['attribute']);
    case 'sum': {
      const attr = kw['attribute'];
      return asList(v, name).reduce<number>((acc, x) => acc + number(attr === undefined ? x : attribute(x, toText(attr)), 'sum'), number(a0 ?? kw['start'] ?? 0, 'sum'));
    }
    case 'map': {
      const list = asList(v, name);
      if (kw['attribute'] !== undefined) {
        return list.map((x) => {
          const got = attribute(x, toText(kw['attribute']));
          return got instanceof Undefined && Object.hasOwn(kw, 'default') ? kw['default'] : force(got);
        });
      }
      if (a0 === undefined) throw new TemplateError(`filter 'map' needs a filter name or attribute=`);
      return list.map((x) => applyFilter(toText(a0), x, args.slice(1)));
    }
    case 'select':
    case 'reject':
      return selectBy(asList(v, name), args, undefined, name === 'select');
    case 'selectattr':
    case 'rejectattr':
      return selectBy(asList(v, name), args.slice(1), toText(a0), name === 'selectattr');
    case 'extract': {
      const got = member(a0, v, `${toText(v)}`);
      return a1 === undefined ? force(got) : force(member(force(got), a1, `${toText(v)}.${toText(a1)}`));
    }
    case 'flatten':
      return flatten(asList(v, name), (a0 ?? kw['levels']) as number | undefined);
    case 'zip':
    case 'zip_longest': {
      const lists = [asList(v, name), ...args.map((a) => asList(a, name))];
      const n = name === 'zip' ? Math.min(...lists.map((l) => l.length)) : Math.max(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : (kw['fillvalue'] ?? null))));
    }
    case 'product':
      return [asList(v, name), ...args.map((a) => asList(a, name))].reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
    case 'union':
      return uniq([...asList(v, name), ...asList(a0, name)]);
    case 'intersect':
      return uniq(asList(v, name).filter((x) => containsValue(asList(a0, name), x)));
    case 'difference':
      return uniq(asList(v, name).filter((x) => !containsValue(asList(a0, name), x)));
    case 'symmetric_difference': {
      const a = asList(v, name);
      const b = asList(a0, name);
      return uniq([...a.filter((x) => !containsValue(b, x)), ...b.filter((x) => !containsValue(a, x))]);
    }
    case 'combine': {
      const maps = [v, ...args.flatMap((a) => (Array.isArray(a) ? a : [a]))];
      if (!maps.every(isPlainObject)) throw new TemplateError(`filter 'combine' needs maps`);
      return maps.reduce((acc, m) => mergeMaps(acc, m, kw['recursive'] === true), {});
    }
    case 'dict2items': {
      if (!isPlainObject(v)) throw new TemplateError(`filter 'dict2items' needs a map, got ${JSON.stringify(v)}`);
      const k = toText(kw['key_name'] ?? 'key');
      const val = toText(kw['value_name'] ?? 'value');
      return Object.entries(v).map(([key, value]) => mapOf([[k, key], [val, value]]));
    }
    case 'items2dict': {
      const k = toText(kw['key_name'] ?? 'key');
      const val = toText(kw['value_name'] ?? 'value');
      return mapOf(asList(v, name).map((item) => [toText(force(member(item, k, k))), force(member(item, val, val))] as const));
    }
    case 'dict':
      return mapOf(asList(v, name).map((pair) => {
        const p = asList(pair, name);
        return [toText(p[0]), p[1]] as const;
      }));
    case 'items':
      return isPlainObject(v) ? Object.entries(v) : asList(v, name);
    case 'dictsort':
      if (!isPlainObject(v)) throw new TemplateError(`filter 'dictsort' needs a map`);
      return Object.entries(v).sort(([a], [b]) => order(a.toLowerCase(), b.toLowerCase()));
    case 'list':
      return [...asList(v, name)];
    case 'int':
      return toInt(v, a0 ?? kw['default'] ?? 0, Number(a1 ?? kw['base'] ?? 10));
    case 'float': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isNaN(n) ? (a0 ?? 0) : n;
    }
    case 'abs':
      return Math.abs(number(v, name));
    case 'round':
      return roundTo(number(v, name), Number(a0 ?? kw['precision'] ?? 0), toText(a1 ?? kw['method'] ?? 'common'));
    case 'string':
      return toText(v);
    case 'bool':
      return asBool(v);
    case 'type_debug':
      return typeName(v);
    case 'b64encode':
      return Buffer.from(toText(v), 'utf8').toString('base64');
    case 'b64decode':
      return Buffer.from(asString(v, name), 'base64').toString('utf8');
    case 'hash':
      return digest(v, toText(a0 ?? 'sha1'));
    case 'checksum':
    case 'sha1':
      return digest(v, 'sha1');
    case 'md5':
      return digest(v, 'md5');
    case 'password_hash': {
      const scheme = toText(a0 ?? 'sha512').replace(/_crypt$/, '');
      if (!isCryptScheme(scheme)) throw new TemplateError(`password_hash: only 'sha512' and 'sha256' are supported, got ${JSON.stringify(scheme)}`);
      const salt = a1 ?? kw['salt'];
      return shaCrypt(toText(v), scheme, salt === undefined || salt === null ? randomSalt() : toText(salt));
    }
    case 'to_json':
      return pythonJson(v);
    case 'to_nice_json':
      return pythonJson(v, { indent: Number(kw['indent'] ?? 4), sortKeys: true });
    case 'to_yaml':
      return pythonYaml(v, false);
    case 'to_nice_yaml':
      return pythonYaml(v, true, Number(kw['indent'] ?? 4));
    case 'from_json':
      try {
        return JSON.parse(asString(v, name));
      } catch (error) {
        throw new TemplateError(`filter 'from_json': ${(error as Error).message}`);
      }
    case 'from_yaml':
      try {
        return parseYaml(asString(v, name), { maxAliasCount: 100 });
      } catch (error) {
        throw new TemplateError(`filter 'from_yaml': ${(error as Error).message}`);
      }
    case 'basename':
      return basename(asString(v, name));
    case 'dirname':
      return dirname(asString(v, name));
    case 'splitext': {
      const s = asString(v, name);
      const ext = extname(s);
      return [s.slice(0, s.length - ext.length), ext];
    }
  }
  throw new TemplateSyntaxError(`unknown filter '${rawName}'`);
}
