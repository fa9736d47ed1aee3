import { RenderedText } from './size-limit.ts';
import { readFileSync } from 'node:fs';
import { UnsafeText } from './unsafe.ts';
import { isPlainObject } from '../values.ts';
import { parseDocument, positionOf, type Node } from './document.ts';
import { evaluate, type Scope } from './evaluate.ts';
import { parseExpression, TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';
import { searchFile, setTextRenderer } from './globals.ts';
import { asList, force, mapOf, materialize, toText, truthy } from './values.ts';
import { nativeValue } from './native-literal.ts';
import { noteInputFile } from '../input-files.ts';

export { TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';
export { UndefinedVariableError, truthy, toText } from './values.ts';
export { FILTERS } from './filters.ts';
export { TESTS } from './tests.ts';
export { LOOKUPS } from './globals.ts';
export type { Scope } from './evaluate.ts';

/** Names set by `{% set %}` and `{% for %}` on top of the scope they run in. */
class Frame implements Scope {
  readonly locals = new Map<string, unknown>();
  constructor(private readonly parent: Scope) {}
  lookup(name: string): unknown {
    return this.locals.has(name) ? this.locals.get(name) : this.parent.lookup(name);
  }
}

function assign(frame: Frame, targets: string[], value: unknown): void {
  if (targets.length === 1) {
    frame.locals.set(targets[0]!, value);
    return;
  }
  const items = asList(value, 'unpacking');
  if (items.length !== targets.length) throw new TemplateError(`cannot unpack ${items.length} values into ${targets.join(', ')}`);
  targets.forEach((t, i) => frame.locals.set(t, items[i]));
}

function loopItems(v: unknown): unknown[] {
  const value = force(v);
  if (isPlainObject(value)) return Object.keys(value);
  if (value === null) return [];
  return asList(value, 'for');
}

function renderNodes(nodes: readonly Node[], frame: Frame, out: RenderedText): void {
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        out.add(node.s);
        break;
      case 'out':
        out.add(toText(evaluate(node.expr, frame)));
        break;
      case 'set':
        assign(frame, node.targets, force(evaluate(node.expr, frame)));
        break;
      case 'if': {
        const branch = node.branches.find((b) => truthy(evaluate(b.cond, frame)));
        renderNodes(branch ? branch.body : node.else, frame, out);
        break;
      }
      case 'for': {
        const all = loopItems(evaluate(node.iter, frame));
        const items = node.filter
          ? all.filter((item) => {
              out.iteration();
              const probe = new Frame(frame);
              assign(probe, node.targets, item);
              return truthy(evaluate(node.filter!, probe));
            })
          : all;
        if (items.length === 0) renderNodes(node.else, frame, out);
        items.forEach((item, i) => {
          out.iteration();
          const inner = new Frame(frame);
          assign(inner, node.targets, item);
          // A literal, not mapOf: its keys are fixed, and defining them one by one made big loops slow.
          inner.locals.set('loop', {
            index: i + 1, index0: i, revindex: items.length - i, revindex0: items.length - i - 1,
            first: i === 0, last: i === items.length - 1, length: items.length,
            previtem: i > 0 ? items[i - 1] : new Undefined('loop.previtem'),
            nextitem: i < items.length - 1 ? items[i + 1] : new Undefined('loop.nextitem'),
          });
          renderNodes(node.body, inner, out);
        });
        break;
      }
    }
  }
}

/** The text of template nodes, refused as soon as it outgrows the limit. */
function renderedText(nodes: readonly Node[], scope: Scope): string {
  const out = new RenderedText('the rendered text');
  renderNodes(nodes, new Frame(scope), out);
  return out.text();
}

/** Renders template text (a file for the `template` task, or any string) to text. */
export function renderTemplateText(text: string, scope: Scope): string {
  return renderedText(parseDocument(text), scope);
}
setTextRenderer(renderTemplateText);

/** A template file from templates/ of the role or the playbook (or an absolute path), rendered. */
export function renderTemplateFile(name: string, scope: Scope): string {
  const file = searchFile(name, 'templates', scope);
  if (!file) throw new TemplateError(`template '${name}' not found in templates/ of the role or the playbook`);
  const text = readFileSync(file, 'utf8');
  noteInputFile(file, text);
  try {
    return renderTemplateText(text, scope);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) {
      const at = positionOf(error.message);
      throw new TemplateSyntaxError(at ? `${file}:${at.line}:${at.col}: ${at.detail}` : `${file}: ${error.message}`);
    }
    throw error;
  }
}

export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

export function renderString(s: string, scope: Scope): unknown {
  if (!hasTemplate(s)) return s;
  const nodes = parseDocument(s);
  const outs = nodes.filter((n) => n.t === 'out');
  // A string that is one expression (surrounding whitespace aside) keeps the value's type; text
  // reads as the literal it spells (jinja2_native), and text around it stays.
  if (outs.length === 1 && nodes.every((n) => n.t === 'out' || (n.t === 'text' && n.s.trim() === ''))) {
    const expr = outs[0]!.expr;
    const value = materialize(force(evaluate(expr, scope)));
    if (typeof value !== 'string') return value;
    if (nodes.length === 1) return nativeValue(value, expr);
    return nodes.map((n) => (n.t === 'text' ? n.s : value)).join('');
  }
  return renderedText(nodes, scope);
}

/** Renders every string inside a value (lists and maps deeply; keys stay as they are). */
export function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (value instanceof UnsafeText) return value.text;
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (isPlainObject(value)) return mapOf(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)] as const));
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

