import { parseDocument, type Node } from './document.ts';
import { parseExpression, TemplateSyntaxError, type Expr } from './expression.ts';
import { isKnownFilter } from './filters.ts';
import { GLOBAL_FUNCTIONS, isKnownLookup } from './globals.ts';
import { isKnownTest } from './tests.ts';
import { hasTemplate } from './template.ts';
import { isPlainObject } from '../values.ts';

/**
 * Checks templates without evaluating them, before any host is contacted: syntax, and names of
 * filters, tests, functions and lookups. Each problem comes with the path of the string in the
 * value it was found in, for the loader to turn into FILE:LINE:COL.
 */
export interface TemplateProblem {
  path: (string | number)[];
  message: string;
}

/** Keys whose strings are bare expressions (no `{{ }}` needed). */
const CONDITION_KEYS = new Set(['when', 'until', 'changed_when', 'failed_when']);

function exprProblems(e: Expr, out: string[]): void {
  const walk = (x: Expr | undefined): void => {
    if (x) exprProblems(x, out);
  };
  switch (e.k) {
    case 'filter':
      if (!isKnownFilter(e.name)) out.push(`unknown filter '${e.name}'`);
      walk(e.arg);
      break;
    case 'test':
      if (!isKnownTest(e.name)) out.push(`unknown test '${e.name}'`);
      walk(e.arg);
      break;
    case 'call': {
      if (!(GLOBAL_FUNCTIONS as readonly string[]).includes(e.name)) out.push(`unknown function '${e.name}()'`);
      const plugin = e.args[0];
      if (['lookup', 'query', 'q'].includes(e.name) && plugin?.k === 'lit' && typeof plugin.v === 'string' && !isKnownLookup(plugin.v)) {
        out.push(`unknown lookup '${plugin.v}'`);
      }
      break;
    }
    case 'attr':
    case 'index':
    case 'slice':
    case 'method':
      walk(e.obj);
      break;
    case 'not':
    case 'neg':
      walk(e.e);
      break;
    case 'bin':
      walk(e.l);
      walk(e.r);
      break;
    case 'cond':
      walk(e.test);
      walk(e.then);
      walk(e.else);
      break;
    case 'list':
      e.items.forEach(walk);
      break;
    case 'dict':
      e.entries.forEach(([k, v]) => (walk(k), walk(v)));
      break;
    default:
      break;
  }
  if ('args' in e) e.args.forEach(walk);
  if ('kwargs' in e) Object.values(e.kwargs).forEach(walk);
}

function nodeProblems(nodes: readonly Node[], out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'out') exprProblems(n.expr, out);
    else if (n.t === 'set') exprProblems(n.expr, out);
    else if (n.t === 'if') {
      for (const b of n.branches) {
        exprProblems(b.cond, out);
        nodeProblems(b.body, out);
      }
      nodeProblems(n.else, out);
    } else if (n.t === 'for') {
      exprProblems(n.iter, out);
      if (n.filter) exprProblems(n.filter, out);
      nodeProblems(n.body, out);
      nodeProblems(n.else, out);
    }
  }
}

/** Problems of one template string (a condition when `condition`), as messages. */
export function checkTemplate(text: string, condition = false): string[] {
  const out: string[] = [];
  try {
    const bare = condition && !/^\s*\{\{[\s\S]*\}\}\s*$/.test(text);
    if (bare) exprProblems(parseExpression(text.trim()), out);
    else if (hasTemplate(text)) nodeProblems(parseDocument(text), out);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return [error.message];
    throw error;
  }
  return out;
}

/** Every template in a value (a task, play vars, a vars file), with the path of its string. */
export function templateProblems(value: unknown, path: (string | number)[] = [], condition = false): TemplateProblem[] {
  if (typeof value === 'string') return checkTemplate(value, condition).map((message) => ({ path, message }));
  if (Array.isArray(value)) return value.flatMap((v, i) => templateProblems(v, [...path, i], condition));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => templateProblems(v, [...path, k], condition || (path.length === 0 && CONDITION_KEYS.has(k))));
  }
  return [];
}
