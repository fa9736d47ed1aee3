import { bounded, refuseSum } from './size-limit.ts';
import { TemplateError, Undefined, type Expr } from './expression.ts';
import { applyFilter } from './filters.ts';
import { callGlobal } from './globals.ts';
import { callMethod } from './methods.ts';
import { applyTest, containsValue } from './tests.ts';
import { deepEqual, force, mapOf, member, number, order, toText, truthy } from './values.ts';

/** Where templates look names up. An absent name yields an `Undefined`, never throws. */
export interface Scope {
  lookup(name: string): unknown;
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

/** Python's floor division and modulo (the result takes the sign of the divisor). */
function floorDiv(a: number, b: number): number {
  if (b === 0) throw new TemplateError('division by zero');
  return Math.floor(a / b);
}
function pyMod(a: number, b: number): number {
  if (b === 0) throw new TemplateError('modulo by zero');
  return ((a % b) + b) % b;
}

function arithmetic(op: string, l: unknown, r: unknown): unknown {
  const a = force(l);
  const b = force(r);
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        refuseSum("'+'", a.length, b.length);
        return a + b;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        refuseSum("'+'", a.length, b.length);
        return bounded([...a, ...b], "'+'");
      }
      return number(a, "'+'") + number(b, "'+'");
    case '-':
      return number(a, "'-'") - number(b, "'-'");
    case '*':
      if (typeof a === 'string' && typeof b === 'number') {
        refuseSum("'*'", a.length * Math.max(0, b));
        return a.repeat(Math.max(0, b));
      }
      if (Array.isArray(a) && typeof b === 'number') {
        refuseSum("'*'", a.length * Math.max(0, b));
        return bounded(Array.from({ length: Math.max(0, b) }, () => a).flat(), "'*'");
      }
      return number(a, "'*'") * number(b, "'*'");
    case '/': {
      const d = number(b, "'/'");
      if (d === 0) throw new TemplateError('division by zero');
      return number(a, "'/'") / d;
    }
    case '//':
      return floorDiv(number(a, "'//'"), number(b, "'//'"));
    case '%':
      if (typeof a === 'string') return toText(applyFilter('format', a, Array.isArray(b) ? b : [b]));
      return pyMod(number(a, "'%'"), number(b, "'%'"));
    case '**':
      return number(a, "'**'") ** number(b, "'**'");
  }
  throw new TemplateError(`unknown operator '${op}'`);
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
      return order(l, r, e.op) < 0;
    case '<=':
      return order(l, r, e.op) <= 0;
    case '>':
      return order(l, r, e.op) > 0;
    case '>=':
      return order(l, r, e.op) >= 0;
    case 'in':
      return containsValue(force(r), force(l));
    case 'not in':
      return !containsValue(force(r), force(l));
    case '~': {
      const [a, b] = [toText(l), toText(r)];
      refuseSum("'~'", a.length, b.length);
      return a + b;
    }
    default:
      return arithmetic(e.op, l, r);
  }
}

function slice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const v = force(obj);
  const items: unknown[] = typeof v === 'string' ? [...v] : Array.isArray(v) ? v : [];
  if (typeof v !== 'string' && !Array.isArray(v)) throw new TemplateError(`only strings and lists can be sliced, got ${JSON.stringify(v)}`);
  const n = items.length;
  const s = step === undefined || step === null ? 1 : number(step, 'a slice step');
  if (s === 0) throw new TemplateError('a slice step cannot be zero');
  const clamp = (x: unknown, fallback: number): number => {
    if (x === undefined || x === null) return fallback;
    const i = number(x, 'a slice index');
    const j = i < 0 ? n + i : i;
    return s > 0 ? Math.min(Math.max(j, 0), n) : Math.min(Math.max(j, -1), n - 1);
  };
  const out: unknown[] = [];
  if (s > 0) for (let i = clamp(start, 0); i < clamp(stop, n); i += s) out.push(items[i]);
  else for (let i = clamp(start, n - 1); i > clamp(stop, -1); i += s) out.push(items[i]);
  return typeof v === 'string' ? out.join('') : out;
}

function kwargsOf(kwargs: Readonly<Record<string, Expr>>, scope: Scope): Record<string, unknown> {
  return mapOf(Object.entries(kwargs).map(([k, x]) => [k, force(evaluate(x, scope))] as const));
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
    case 'slice': {
      const part = (x: Expr | undefined): unknown => (x ? force(evaluate(x, scope)) : undefined);
      return slice(evaluate(e.obj, scope), part(e.start), part(e.stop), part(e.step));
    }
    case 'list':
      return bounded(e.items.map((x) => force(evaluate(x, scope))), 'a list');
    case 'dict':
      return bounded(mapOf(e.entries.map(([k, v]) => [toText(evaluate(k, scope)), force(evaluate(v, scope))] as const)), 'a map');
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
      return bounded(applyFilter(e.name, evaluate(e.arg, scope), e.args.map((a) => force(evaluate(a, scope))), kwargsOf(e.kwargs, scope)), `the filter '${e.name}'`);
    case 'test':
      return applyTest(e.name, evaluate(e.arg, scope), e.args.map((a) => force(evaluate(a, scope))), kwargsOf(e.kwargs, scope)) !== e.negate;
    case 'method':
      return bounded(callMethod(evaluate(e.obj, scope), e.name, e.args.map((a) => force(evaluate(a, scope))), kwargsOf(e.kwargs, scope)), `'.${e.name}()'`);
    case 'call':
      return callGlobal(e.name, e.args.map((a) => force(evaluate(a, scope))), kwargsOf(e.kwargs, scope), scope);
  }
}
