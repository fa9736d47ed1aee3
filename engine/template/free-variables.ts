import { parseDocument, type Node } from './document.ts';
import { parseExpression, TemplateSyntaxError, type Expr } from './expression.ts';
import { hasTemplate } from './template.ts';

/**
 * The variables a template reads that it does not define itself ({% set %}, {% for %} targets,
 * `loop`), found without evaluating it, for `validate` to name those nothing can define.
 * A variable under `is defined` / `is undefined` or `| default(...)` is "guarded": the template
 * copes with its absence, and so may every other template of the same task.
 */
export interface VariableUses {
  /** Each free variable with the template line it is first read on (1 for a one-line string). */
  free: Map<string, number>;
  guarded: Set<string>;
}

const GUARD_TESTS = new Set(['defined', 'undefined']);
const GUARD_FILTERS = new Set(['default', 'd']);

/** The variable a path expression starts from: `a` of `a.b[0].c`. */
function rootName(e: Expr): string | undefined {
  if (e.k === 'name') return e.name;
  if (e.k === 'attr' || e.k === 'index' || e.k === 'slice') return rootName(e.obj);
  return undefined;
}

function children(e: Expr): (Expr | undefined)[] {
  switch (e.k) {
    case 'lit':
    case 'name':
      return [];
    case 'attr':
      return [e.obj];
    case 'index':
      return [e.obj, e.index];
    case 'slice':
      return [e.obj, e.start, e.stop, e.step];
    case 'filter':
    case 'test':
      return [e.arg, ...e.args, ...Object.values(e.kwargs)];
    case 'method':
      return [e.obj, ...e.args, ...Object.values(e.kwargs)];
    case 'call':
      return [...e.args, ...Object.values(e.kwargs)];
    case 'list':
      return e.items;
    case 'dict':
      return e.entries.flat();
    case 'not':
    case 'neg':
      return [e.e];
    case 'bin':
      return [e.l, e.r];
    case 'cond':
      return [e.test, e.then, e.else];
  }
}

class Collector {
  readonly uses: VariableUses = { free: new Map(), guarded: new Set() };

  expr(e: Expr, bound: ReadonlySet<string>, line: number): void {
    if (e.k === 'name') {
      if (!bound.has(e.name) && !this.uses.free.has(e.name)) this.uses.free.set(e.name, line);
      return;
    }
    if ((e.k === 'test' && GUARD_TESTS.has(e.name)) || (e.k === 'filter' && GUARD_FILTERS.has(e.name))) {
      const root = rootName(e.arg);
      if (root) this.uses.guarded.add(root);
    }
    for (const c of children(e)) if (c) this.expr(c, bound, line);
  }

  nodes(nodes: readonly Node[], bound: ReadonlySet<string>, fallbackLine: number): void {
    for (const n of nodes) {
      const line = 'line' in n ? n.line : fallbackLine;
      if (n.t === 'out' || n.t === 'set') this.expr(n.expr, bound, line);
      else if (n.t === 'if') {
        for (const b of n.branches) {
          this.expr(b.cond, bound, line);
          this.nodes(b.body, bound, line);
        }
        this.nodes(n.else, bound, line);
      } else if (n.t === 'for') {
        this.expr(n.iter, bound, line);
        const inner = new Set([...bound, ...n.targets, 'loop']);
        if (n.filter) this.expr(n.filter, inner, line);
        this.nodes(n.body, inner, line);
        this.nodes(n.else, bound, line);
      }
    }
  }
}

/** `{% set %}` targets anywhere in the template count as defined everywhere in it (order is not tracked). */
function setTargets(nodes: readonly Node[], out: Set<string>): Set<string> {
  for (const n of nodes) {
    if (n.t === 'set') n.targets.forEach((t) => out.add(t));
    else if (n.t === 'if') {
      n.branches.forEach((b) => setTargets(b.body, out));
      setTargets(n.else, out);
    } else if (n.t === 'for') {
      setTargets(n.body, out);
      setTargets(n.else, out);
    }
  }
  return out;
}

/** Variables one template string (a bare expression when `condition`) reads; nothing for text that does not parse (reported as a syntax error elsewhere). */
export function variableUses(text: string, condition = false): VariableUses {
  const collector = new Collector();
  try {
    const bare = condition && !/^\s*\{\{[\s\S]*\}\}\s*$/.test(text);
    if (bare) collector.expr(parseExpression(text.trim()), new Set(), 1);
    else if (hasTemplate(text)) {
      const nodes = parseDocument(text);
      collector.nodes(nodes, setTargets(nodes, new Set()), 1);
    }
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
  }
  return collector.uses;
}
