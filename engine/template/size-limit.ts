import { isPlainObject } from '../values.ts';
import { TemplateError } from './expression.ts';

/**
 * The largest value a template may compute, in characters of text plus one per list item or map
 * entry (a value that shares one list twice counts it twice: that is what printing it makes).
 * Well above any configuration file, and below what would exhaust the controller's memory: a
 * playbook that doubles a list fails its task here instead of crashing the process.
 */
export const MAX_TEMPLATE_SIZE = 64 * 1024 * 1024;

/**
 * The most loop iterations one rendering runs (every item a `{% for %}` looks at, nested loops
 * multiplied): loops that print nothing cannot grow the text, but could keep the controller busy
 * for hours (two nested ranges of 100,000). Real templates stay far below.
 */
export const MAX_LOOP_ITERATIONS = 10_000_000;

export class TemplateTooLargeError extends TemplateError {
  override name = 'TemplateTooLargeError';
  constructor(what: string, hint = 'look for a value that doubles itself or a very large command output') {
    super(`${what} would be larger than ${MAX_TEMPLATE_SIZE} characters (the limit of a template's result); ${hint}`);
  }
}

const LOOP_HINT = 'look for loops nested over large lists or ranges';

/**
 * Text being rendered, counted as it is produced: a runaway loop stops at the limit, with memory
 * for the limit's worth of text, instead of building the whole text first.
 */
export class RenderedText {
  private readonly parts: string[] = [];
  private size = 0;
  private iterations = 0;
  constructor(private readonly what: string) {}

  add(text: string): void {
    this.size += text.length;
    if (this.size > MAX_TEMPLATE_SIZE) throw new TemplateTooLargeError(this.what, LOOP_HINT);
    this.parts.push(text);
  }

  /** One item a loop looks at. */
  iteration(): void {
    if (++this.iterations > MAX_LOOP_ITERATIONS) {
      throw new TemplateError(`the template's loops would run more than ${MAX_LOOP_ITERATIONS} times (the limit of one rendering); ${LOOP_HINT}`);
    }
  }

  text(): string {
    return this.parts.join('');
  }
}

/** Refuses, before it is built, a result of `parts` sizes adding up past the limit. */
export function refuseSum(what: string, ...sizes: number[]): void {
  if (sizes.reduce((a, b) => a + b, 0) > MAX_TEMPLATE_SIZE) throw new TemplateTooLargeError(what);
}

/** The value, unless it is larger than the limit; walks at most the limit's worth of it. */
export function bounded<T>(value: T, what = 'the result'): T {
  if (typeof value === 'string') {
    if (value.length > MAX_TEMPLATE_SIZE) throw new TemplateTooLargeError(what);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  let size = 0;
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v === 'string') size += v.length;
    else if (Array.isArray(v)) {
      size += v.length + 1;
      if (size <= MAX_TEMPLATE_SIZE) for (const x of v) if (x !== null && typeof x === 'object') todo.push(x); else size += leafSize(x);
    } else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 1;
        if (x !== null && typeof x === 'object') todo.push(x);
        else size += leafSize(x);
        if (size > MAX_TEMPLATE_SIZE) break;
      }
    } else size += 1;
    if (size > MAX_TEMPLATE_SIZE) throw new TemplateTooLargeError(what);
  }
  return value;
}

function leafSize(x: unknown): number {
  return typeof x === 'string' ? x.length : 1;
}
