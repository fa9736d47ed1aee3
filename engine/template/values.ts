import { TackleError } from '../errors.ts';
import { isPlainObject } from '../values.ts';
import { TemplateError, Undefined } from './expression.ts';

/** What templates compute with: plain data only (no functions, no class instances but Undefined). */

export class UndefinedVariableError extends TackleError {
  override name = 'UndefinedVariableError';
  constructor(
    readonly variable: string,
    reason?: string,
  ) {
    super(`undefined variable '${variable}'${reason ? `: ${reason}` : ''}`);
  }
}

export function force(v: unknown): unknown {
  if (v instanceof Undefined) throw new UndefinedVariableError(v.variable, v.reason);
  return v;
}

/**
 * A map whose values are computed when read (`hostvars`, and `hostvars[h]`, whose variables are
 * templated for that host on use). Read by key without touching the rest; turned into a plain
 * map (entries that cannot be computed left out) only where a whole map is needed.
 */
export class LazyMap {
  constructor(
    readonly keys: () => string[],
    readonly get: (key: string) => unknown,
    /** How a missing key reads in the undefined-variable error. */
    readonly missing?: (key: string) => string,
  ) {}
  has(key: string): boolean {
    return this.keys().includes(key);
  }
}

/** hostvars holds hosts that hold hostvars again: two levels (host, variable) are what a reader wants. */
const MATERIALIZE_DEPTH = 2;

export function materialize(v: unknown, depth = 0): unknown {
  if (!(v instanceof LazyMap)) return v;
  const entries: [string, unknown][] = [];
  for (const k of v.keys()) {
    try {
      const x = v.get(k);
      if (x instanceof Undefined || (x instanceof LazyMap && depth + 1 >= MATERIALIZE_DEPTH)) continue;
      entries.push([k, materialize(x, depth + 1)]);
    } catch {
      // A variable that cannot be templated (it names an undefined one) is simply not shown.
    }
  }
  return mapOf(entries);
}


export function truthy(v: unknown): boolean {
  v = force(v);
  if (v instanceof LazyMap) return v.keys().length > 0;
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
  v = materialize(force(v));
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A map built from entries without ever touching a prototype (`__proto__` stays an ordinary key). */
export function mapOf(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** An own key of a plain map or an index of a list; never anything inherited. */
export function member(obj: unknown, key: unknown, path: string): unknown {
  if (obj instanceof Undefined) return new Undefined(path, obj.reason);
  if (obj instanceof LazyMap) return obj.has(String(key)) ? obj.get(String(key)) : new Undefined(path, obj.missing?.(String(key)));
  if (Array.isArray(obj)) {
    const n = typeof key === 'number' ? key : /^-?[0-9]+$/.test(String(key)) ? Number(key) : NaN;
    const i = n < 0 ? obj.length + n : n;
    return Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i] : new Undefined(path);
  }
  if (typeof obj === 'string' && typeof key === 'number') {
    const i = key < 0 ? obj.length + key : key;
    return Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i] : new Undefined(path);
  }
  if (isPlainObject(obj) && Object.hasOwn(obj, String(key))) return obj[String(key)];
  return new Undefined(path);
}

export function number(v: unknown, what: string): number {
  v = force(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number') throw new TemplateError(`${what} needs a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Python's ordering: numbers with numbers, strings with strings, lists item by item. */
export function order(a: unknown, b: unknown, op = '<'): number {
  a = force(a);
  b = force(b);
  if (typeof a === 'boolean') a = a ? 1 : 0;
  if (typeof b === 'boolean') b = b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = order(a[i], b[i], op);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TemplateError(`cannot compare ${JSON.stringify(a)} ${op} ${JSON.stringify(b)} (convert with | int or | string)`);
}

export function asList(v: unknown, what: string): unknown[] {
  v = force(v);
  if (v instanceof LazyMap) return v.keys();
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isPlainObject(v)) return Object.keys(v);
  throw new TemplateError(`${what} needs a list, got ${JSON.stringify(v)}`);
}

export function asString(v: unknown, what: string): string {
  v = force(v);
  if (typeof v !== 'string') throw new TemplateError(`${what} needs a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Python's `%` formatting for %s %d %i %f %r %x %%, enough for the `format` filter. */
export function percentFormat(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-0 +]*)(\d+)?(?:\.(\d+))?([sdifrx%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const v = force(args[i++]);
    let s: string;
    if (conv === 'd' || conv === 'i') s = String(Math.trunc(number(v, 'format %d')));
    else if (conv === 'f') s = number(v, 'format %f').toFixed(prec === undefined ? 6 : Number(prec));
    else if (conv === 'x') s = Math.trunc(number(v, 'format %x')).toString(16);
    else if (conv === 'r') s = typeof v === 'string' ? `'${v}'` : toText(v);
    else s = toText(v);
    const w = width === undefined ? 0 : Number(width);
    if (s.length >= w) return s;
    if (flags.includes('-')) return s.padEnd(w);
    return flags.includes('0') && conv !== 's' ? s.padStart(w, '0') : s.padStart(w);
  });
}
