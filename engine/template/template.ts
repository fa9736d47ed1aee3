import { basename, dirname } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { TackleError } from '../errors.ts';
import { parseExpression, TemplateError, TemplateSyntaxError, Undefined, type Expr } from './expression.ts';
import { asBool, isPlainObject } from '../values.ts';

export { TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';

/** Where templates look names up. An absent name yields an `Undefined`, never throws. */
export interface Scope {
  lookup(name: string): unknown;
}

export class UndefinedVariableError extends TackleError {
  override name = 'UndefinedVariableError';
  constructor(readonly variable: string) {
    super(`undefined variable '${variable}'`);
  }
}

/** Filter names with one line each, for the README. */
export const FILTERS: Readonly<Record<string, string>> = {
  default: "default(v) / default(v, true): v when the value is undefined (or, with true, also when it is empty/false); alias d",
  mandatory: 'fail with the variable name when the value is undefined',
  join: "join(sep=''): join a list into a string",
  split: "split(sep=' '): split a string into a list",
  lower: 'lower-case a string',
  upper: 'upper-case a string',
  trim: 'strip leading and trailing whitespace',
  replace: 'replace(a, b): replace every a with b',
  length: 'number of items of a list or map, or characters of a string; alias count',
  first: 'first item of a list (or character of a string)',
  last: 'last item of a list (or character of a string)',
  sort: 'sort a list',
  unique: 'drop repeated items of a list, keeping the first',
  combine: 'combine(map...): shallow merge of maps, later ones win',
  int: 'convert to an integer (0 when not a number, or int(default))',
  float: 'convert to a number (0 when not a number)',
  string: 'convert to a string (lists and maps as JSON)',
  bool: "convert to a boolean: true, yes, on, 1 (any case) are true",
  b64encode: 'base64-encode a string (UTF-8)',
  b64decode: 'base64-decode to a string (UTF-8)',
  to_json: 'serialise as compact JSON',
  to_nice_json: 'serialise as indented JSON',
  to_yaml: 'serialise as YAML',
  to_nice_yaml: 'serialise as YAML (same as to_yaml)',
  from_json: 'parse a JSON string',
  from_yaml: 'parse a YAML string',
  basename: 'last component of a path',
  dirname: 'path without its last component',
};

/** Test names usable after `is` / `is not`. */
export const TESTS: Readonly<Record<string, string>> = {
  defined: 'the value exists',
  undefined: 'the value does not exist',
  none: 'the value is null',
  string: 'the value is a string',
  number: 'the value is a number',
  boolean: 'the value is true or false',
  mapping: 'the value is a map',
  sequence: 'the value is a list',
  changed: 'a registered result reports a change',
  failed: 'a registered result reports a failure',
  succeeded: 'a registered result did not fail; alias success',
  skipped: 'a registered result was skipped',
};

function force(v: unknown): unknown {
  if (v instanceof Undefined) throw new UndefinedVariableError(v.variable);
  return v;
}

export function truthy(v: unknown): boolean {
  v = force(v);
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** How a value appears inside mixed text: strings as they are, lists and maps as JSON, null as ''. */
export function toText(v: unknown): string {
  v = force(v);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function describe(e: Expr): string {
  switch (e.k) {
    case 'name':
      return e.name;
    case 'attr':
      return `${describe(e.obj)}.${e.key}`;
    case 'index':
      return `${describe(e.obj)}[${e.index.k === 'lit' ? JSON.stringify(e.index.v) : '...'}]`;
    default:
      return 'expression';
  }
}

function member(obj: unknown, key: unknown, path: string): unknown {
  if (obj instanceof Undefined) return new Undefined(path);
  if (Array.isArray(obj)) {
    const n = typeof key === 'number' ? key : /^-?[0-9]+$/.test(String(key)) ? Number(key) : NaN;
    const i = n < 0 ? obj.length + n : n;
    return Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i] : new Undefined(path);
  }
  if (isPlainObject(obj) && Object.hasOwn(obj, String(key))) return obj[String(key)];
  return new Undefined(path);
}

function number(v: unknown, what: string): number {
  v = force(v);
  if (typeof v !== 'number') throw new TemplateError(`${what} needs a number, got ${JSON.stringify(v)}`);
  return v;
}

function compare(op: string, l: unknown, r: unknown): boolean {
  l = force(l);
  r = force(r);
  const bothNumbers = typeof l === 'number' && typeof r === 'number';
  const bothStrings = typeof l === 'string' && typeof r === 'string';
  if (!bothNumbers && !bothStrings) {
    throw new TemplateError(`cannot compare ${JSON.stringify(l)} ${op} ${JSON.stringify(r)} (convert with | int or | string)`);
  }
  const a = l as number | string;
  const b = r as number | string;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function contains(container: unknown, item: unknown): boolean {
  container = force(container);
  item = force(item);
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (isPlainObject(container)) return Object.hasOwn(container, String(item));
  throw new TemplateError(`'in' needs a string, list or map on its right, got ${JSON.stringify(container)}`);
}

function binary(e: Extract<Expr, { k: 'bin' }>, scope: Scope): unknown {
  if (e.op === 'and') {
    const l = evaluate(e.l, scope);
    return truthy(l) ? evaluate(e.r, scope) : l;
  }
  if (e.op === 'or') {
    const l = evaluate(e.l, scope);
    return truthy(l) ? l : evaluate(e.r, scope);
  }
  const l = evaluate(e.l, scope);
  const r = evaluate(e.r, scope);
  switch (e.op) {
    case '==':
      return deepEqual(force(l), force(r));
    case '!=':
      return !deepEqual(force(l), force(r));
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(e.op, l, r);
    case 'in':
      return contains(r, l);
    case 'not in':
      return !contains(r, l);
    case '~':
      return toText(l) + toText(r);
    case '+': {
      const a = force(l);
      const b = force(r);
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return number(a, "'+'") + number(b, "'+'");
    }
    case '-':
      return number(l, "'-'") - number(r, "'-'");
    case '*':
      return number(l, "'*'") * number(r, "'*'");
    case '/':
      return number(l, "'/'") / number(r, "'/'");
  }
}

export function evaluate(e: Expr, scope: Scope): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'name':
      return scope.lookup(e.name);
    case 'attr':
      return member(evaluate(e.obj, scope), e.key, describe(e));
    case 'index':
      return member(evaluate(e.obj, scope), force(evaluate(e.index, scope)), describe(e));
    case 'list':
      return e.items.map((x) => force(evaluate(x, scope)));
    case 'dict':
      return Object.fromEntries(e.entries.map(([k, v]) => [toText(evaluate(k, scope)), force(evaluate(v, scope))]));
    case 'not':
      return !truthy(evaluate(e.e, scope));
    case 'neg':
      return -number(evaluate(e.e, scope), "'-'");
    case 'bin':
      return binary(e, scope);
    case 'cond':
      if (truthy(evaluate(e.test, scope))) return evaluate(e.then, scope);
      return e.else ? evaluate(e.else, scope) : new Undefined('(if without else)');
    case 'filter':
      return applyFilter(e.name, evaluate(e.arg, scope), e.args.map((a) => force(evaluate(a, scope))));
    case 'test':
      return applyTest(e.name, evaluate(e.arg, scope)) !== e.negate;
  }
}

function asList(v: unknown, filter: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  throw new TemplateError(`filter '${filter}' needs a list, got ${JSON.stringify(v)}`);
}

function asString(v: unknown, filter: string): string {
  if (typeof v !== 'string') throw new TemplateError(`filter '${filter}' needs a string, got ${JSON.stringify(v)}`);
  return v;
}

function toInt(v: unknown, fallback: unknown): unknown {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$/.test(v)) return Math.trunc(Number(v));
  return fallback;
}

function applyFilter(name: string, raw: unknown, args: unknown[]): unknown {
  if (name === 'default' || name === 'd') {
    const useIfFalsy = args[1] === true;
    if (raw instanceof Undefined || (useIfFalsy && !truthy(raw))) return args[0] ?? '';
    return raw;
  }
  if (name === 'mandatory') {
    if (raw instanceof Undefined) {
      if (typeof args[0] === 'string') throw new TemplateError(args[0]);
      throw new UndefinedVariableError(raw.variable);
    }
    return raw;
  }
  const v = force(raw);
  switch (name) {
    case 'join':
      return asList(v, name).map(toText).join(args[0] === undefined ? '' : toText(args[0]));
    case 'split': {
      const s = asString(v, name);
      return args[0] === undefined ? s.split(/\s+/).filter(Boolean) : s.split(toText(args[0]));
    }
    case 'lower':
      return asString(v, name).toLowerCase();
    case 'upper':
      return asString(v, name).toUpperCase();
    case 'trim':
      return asString(v, name).trim();
    case 'replace':
      return asString(v, name).split(toText(args[0])).join(toText(args[1] ?? ''));
    case 'length':
    case 'count':
      if (isPlainObject(v)) return Object.keys(v).length;
      return asList(v, name).length;
    case 'first':
      return asList(v, name)[0] ?? new Undefined(`${name} of an empty list`);
    case 'last':
      return asList(v, name).at(-1) ?? new Undefined(`${name} of an empty list`);
    case 'sort':
      return [...asList(v, name)].sort((a, b) => (compare('<', a, b) ? -1 : compare('>', a, b) ? 1 : 0));
    case 'unique':
      return asList(v, name).filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i);
    case 'combine':
      if (!isPlainObject(v) || !args.every(isPlainObject)) throw new TemplateError(`filter 'combine' needs maps`);
      return Object.assign({}, v, ...args);
    case 'int':
      return toInt(v, args[0] ?? 0);
    case 'float': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isNaN(n) ? (args[0] ?? 0) : n;
    }
    case 'string':
      return toText(v);
    case 'bool':
      return asBool(v);
    case 'b64encode':
      return Buffer.from(toText(v), 'utf8').toString('base64');
    case 'b64decode':
      return Buffer.from(asString(v, name), 'base64').toString('utf8');
    case 'to_json':
      return JSON.stringify(v);
    case 'to_nice_json':
      return JSON.stringify(v, null, 4);
    case 'to_yaml':
    case 'to_nice_yaml':
      return stringifyYaml(v);
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
  }
  throw new TemplateError(`unknown filter '${name}' (known: ${Object.keys(FILTERS).join(', ')})`);
}

function resultFlag(v: unknown, key: string, test: string): boolean {
  if (!isPlainObject(v)) throw new TemplateError(`test '${test}' needs a registered result (a map), got ${JSON.stringify(v)}`);
  return v[key] === true;
}

function applyTest(name: string, raw: unknown): boolean {
  if (name === 'defined') return !(raw instanceof Undefined);
  if (name === 'undefined') return raw instanceof Undefined;
  const v = force(raw);
  switch (name) {
    case 'none':
      return v === null || v === undefined;
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'mapping':
      return isPlainObject(v);
    case 'sequence':
      return Array.isArray(v);
    case 'true':
      return v === true;
    case 'false':
      return v === false;
    case 'changed':
      return resultFlag(v, 'changed', name);
    case 'failed':
      return resultFlag(v, 'failed', name);
    case 'succeeded':
    case 'success':
      return !resultFlag(v, 'failed', name);
    case 'skipped':
      return resultFlag(v, 'skipped', name);
  }
  throw new TemplateSyntaxError(`unknown test '${name}' (known: ${Object.keys(TESTS).join(', ')})`);
}

type Segment = { text: string } | { expr: string };

/** Splits "a {{ x }} b" into text and expression parts; `{% raw %}...{% endraw %}` stays text. */
function segments(s: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  let text = '';
  while (i < s.length) {
    if (s.startsWith('{%', i)) {
      const m = /^\{%-?\s*raw\s*-?%\}([\s\S]*?)\{%-?\s*endraw\s*-?%\}/.exec(s.slice(i));
      if (!m) throw new TemplateSyntaxError(`only {% raw %}...{% endraw %} blocks are supported: ${s}`);
      text += m[1];
      i += m[0].length;
    } else if (s.startsWith('{{', i)) {
      const end = closingBraces(s, i + 2);
      if (text) out.push({ text });
      text = '';
      out.push({ expr: s.slice(i + 2, end) });
      i = end + 2;
    } else text += s[i++];
  }
  if (text) out.push({ text });
  return out;
}

function closingBraces(s: string, from: number): number {
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '}' && s[i + 1] === '}') return i;
  }
  throw new TemplateSyntaxError(`'{{' without a closing '}}': ${s}`);
}

export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

export function renderString(s: string, scope: Scope): unknown {
  if (!hasTemplate(s)) return s;
  const parts = segments(s);
  const exprs = parts.filter((p): p is { expr: string } => 'expr' in p);
  // A string that is one expression (surrounding whitespace aside) keeps the value's type.
  if (exprs.length === 1 && parts.every((p) => 'expr' in p || p.text.trim() === '')) {
    return force(evaluate(parseExpression(exprs[0]!.expr), scope));
  }
  return parts.map((p) => ('text' in p ? p.text : toText(evaluate(parseExpression(p.expr), scope)))).join('');
}

/** Renders every string inside a value (lists and maps deeply; keys stay as they are). */
export function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  return value;
}

const FALSE_WORDS = new Set(['false', 'no', 'off', '0', '']);

/**
 * For `when:` and `until:`. A bare expression (`{{ }}` around it is tolerated). A string result
 * such as "false" or "no" (typical of `-e flag=false`) counts as false.
 */
export function evaluateCondition(expr: string, scope: Scope): boolean {
  let src = expr.trim();
  const whole = /^\{\{([\s\S]*)\}\}$/.exec(src);
  if (whole && !whole[1]!.includes('{{')) src = whole[1]!;
  const v = force(evaluate(parseExpression(src), scope));
  if (typeof v === 'string') return !FALSE_WORDS.has(v.trim().toLowerCase());
  return truthy(v);
}
