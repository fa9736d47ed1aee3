import { TackleError } from '../errors.ts';

/**
 * The expression language inside `{{ }}`, `{% %}` and `when:`: Jinja's expressions, parsed by
 * hand (no eval). Paths, slices, literals, filters, tests, comparisons, arithmetic, boolean logic
 * and calls, where a call is a whitelisted method of a string, list or map, or a global function.
 */

export class TemplateSyntaxError extends TackleError {
  override name = 'TemplateSyntaxError';
}

/** Evaluation failed for a reason other than an undefined variable (bad filter input, bad comparison). */
export class TemplateError extends TackleError {
  override name = 'TemplateError';
}

/** A variable or attribute that is not there; an error only once it is actually used. */
export class Undefined {
  constructor(
    readonly variable: string,
    /** Why it is undefined, when more can be said than its name (kept along `.a.b` chains). */
    readonly reason?: string,
  ) {}
}

export type Kwargs = Readonly<Record<string, Expr>>;

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'name'; name: string }
  | { k: 'attr'; obj: Expr; key: string }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'slice'; obj: Expr; start?: Expr | undefined; stop?: Expr | undefined; step?: Expr | undefined }
  | { k: 'filter'; arg: Expr; name: string; args: Expr[]; kwargs: Kwargs }
  | { k: 'test'; arg: Expr; name: string; negate: boolean; args: Expr[]; kwargs: Kwargs }
  | { k: 'method'; obj: Expr; name: string; args: Expr[]; kwargs: Kwargs }
  | { k: 'call'; name: string; args: Expr[]; kwargs: Kwargs }
  | { k: 'list'; items: Expr[] }
  | { k: 'dict'; entries: [Expr, Expr][] }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'bin'; op: BinaryOp; l: Expr; r: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else?: Expr };

export type BinaryOp =
  | 'and' | 'or' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in'
  | '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';

interface Token {
  t: 'num' | 'str' | 'name' | 'op' | 'end';
  v: string;
  n?: number;
  at: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '**', '//', '<', '>', '=', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '+', '-', '*', '/', '%', '~'];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      tokens.push({ t: 'num', v: m[0], n: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      tokens.push({ t: 'name', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      let out = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          // Python keeps unknown escapes (`'\w'`, `'\1'`) as written, which regexes rely on.
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e === '\\' || e === "'" || e === '"' ? e : `\\${e}`;
          i += 2;
        } else out += src[i++];
      }
      if (i >= src.length) throw new TemplateSyntaxError(`unterminated string in expression: ${src}`);
      i++;
      tokens.push({ t: 'str', v: out, at: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new TemplateSyntaxError(`unexpected character '${c}' in expression: ${src}`);
    tokens.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  tokens.push({ t: 'end', v: '', at: src.length });
  return tokens;
}

/**
 * Deepest nesting of an expression (parentheses, brackets, unary operators, and operands of one
 * operator chained after another): deeper ones are refused as a syntax error, found at validate,
 * instead of overflowing the stack when parsed or evaluated.
 */
export const MAX_EXPRESSION_DEPTH = 100;

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MULTIPLICATIVE = new Set(['*', '/', '//', '%']);

function emptyKwargs(): Record<string, Expr> {
  return Object.create(null) as Record<string, Expr>;
}

/** Jinja's precedence: or, and, not, comparisons, ~, + -, * / // %, **, unary -, then filters and tests. */
export class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(private readonly src: string) {
    this.tokens = tokenize(src);
  }

  parseAll(): Expr {
    if (this.atEnd()) throw new TemplateSyntaxError(`empty expression`);
    const e = this.ternary();
    this.expectEnd();
    return this.shallow(e);
  }

  /** For statements: an expression, optionally without a conditional (so `for x in y if z` parses). */
  expression(allowConditional = true): Expr {
    return this.shallow(allowConditional ? this.ternary() : this.or());
  }
  /** The tree, unless it is too deep to evaluate (a chain `1 + 1 + ...` is deep although its parse was flat). */
  private shallow(e: Expr): Expr {
    if (treeDepth(e) > MAX_EXPRESSION_DEPTH) throw tooDeep(this.src);
    return e;
  }
  /** One name, or names separated by commas (`for k, v in ...`). */
  targets(): string[] {
    const names = [this.name('a variable name')];
    while (this.op(',')) names.push(this.name('a variable name'));
    return names;
  }
  name(what: string): string {
    const t = this.peek();
    if (t.t !== 'name') this.fail(`expected ${what}`);
    this.i++;
    return t.v;
  }
  word(v: string): boolean {
    if (!this.isWord(v)) return false;
    this.i++;
    return true;
  }
  op(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.i++;
    return true;
  }
  atEnd(): boolean {
    return this.peek().t === 'end';
  }
  expectEnd(): void {
    if (!this.atEnd()) this.fail(`unexpected '${this.peek().v}'`);
  }
  fail(message: string): never {
    const t = this.peek();
    const where = t.t === 'end' ? 'at end' : `at column ${t.at + 1}`;
    throw new TemplateSyntaxError(`${message} ${where} in expression: ${this.src}`);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }
  private expectOp(v: string): void {
    if (!this.op(v)) this.fail(`expected '${v}'`);
  }

  private depth = 0;
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_EXPRESSION_DEPTH) throw tooDeep(this.src);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
  private ternary(): Expr {
    return this.nested(() => this.conditional());
  }
  private conditional(): Expr {
    const then = this.or();
    if (!this.word('if')) return then;
    const test = this.or();
    if (!this.word('else')) return { k: 'cond', test, then };
    return { k: 'cond', test, then, else: this.ternary() };
  }
  private or(): Expr {
    let l = this.and();
    while (this.word('or')) l = { k: 'bin', op: 'or', l, r: this.and() };
    return l;
  }
  private and(): Expr {
    let l = this.not();
    while (this.word('and')) l = { k: 'bin', op: 'and', l, r: this.not() };
    return l;
  }
  private not(): Expr {
    if (this.word('not')) return this.nested(() => ({ k: 'not', e: this.not() }));
    return this.compare();
  }
  private compare(): Expr {
    let l = this.concat();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && COMPARISONS.has(t.v)) {
        this.i++;
        l = { k: 'bin', op: t.v as BinaryOp, l, r: this.concat() };
      } else if (this.word('in')) {
        l = { k: 'bin', op: 'in', l, r: this.concat() };
      } else if (this.isWord('not') && this.peek(1).t === 'name' && this.peek(1).v === 'in') {
        this.i += 2;
        l = { k: 'bin', op: 'not in', l, r: this.concat() };
      } else return l;
    }
  }
  private concat(): Expr {
    let l = this.additive();
    while (this.op('~')) l = { k: 'bin', op: '~', l, r: this.additive() };
    return l;
  }
  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().v as BinaryOp;
      l = { k: 'bin', op, l, r: this.multiplicative() };
    }
    return l;
  }
  private multiplicative(): Expr {
    let l = this.power();
    while (this.peek().t === 'op' && MULTIPLICATIVE.has(this.peek().v)) {
      const op = this.next().v as BinaryOp;
      l = { k: 'bin', op, l, r: this.power() };
    }
    return l;
  }
  private power(): Expr {
    let l = this.unary();
    while (this.op('**')) l = { k: 'bin', op: '**', l, r: this.unary() };
    return l;
  }
  /** As in Jinja, filters apply to the signed value: `-3 | abs` is 3. */
  private unary(): Expr {
    return this.filters(this.sign());
  }
  private sign(): Expr {
    if (this.op('-')) return this.nested(() => ({ k: 'neg', e: this.sign() }));
    if (this.op('+')) return this.nested(() => this.sign());
    return this.postfix();
  }
  private filters(start: Expr): Expr {
    let e = start;
    for (;;) {
      if (this.op('|')) {
        const name = this.name(`a filter name after '|'`);
        const call = this.isOp('(') ? this.callArgs() : { args: [], kwargs: emptyKwargs() };
        e = { k: 'filter', arg: e, name, ...call };
      } else if (this.word('is')) {
        const negate = this.word('not');
        const name = this.name(`a test name after 'is'`);
        let call: { args: Expr[]; kwargs: Kwargs } = { args: [], kwargs: emptyKwargs() };
        if (this.isOp('(')) call = this.callArgs();
        else if (this.peek().t === 'num' || this.peek().t === 'str') call = { args: [this.postfix()], kwargs: emptyKwargs() };
        e = { k: 'test', arg: e, name, negate, ...call };
      } else return e;
    }
  }
  private callArgs(): { args: Expr[]; kwargs: Record<string, Expr> } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs = emptyKwargs();
    while (!this.isOp(')')) {
      if (this.peek().t === 'name' && this.peek(1).t === 'op' && this.peek(1).v === '=') {
        const key = this.next().v;
        this.i++;
        kwargs[key] = this.ternary();
      } else args.push(this.ternary());
      if (!this.isOp(')')) this.expectOp(',');
    }
    this.i++;
    return { args, kwargs };
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.op('.')) {
        const key = this.next();
        if (key.t !== 'name' && key.t !== 'num') {
          this.i--;
          this.fail(`expected an attribute name after '.'`);
        }
        if (key.t === 'name' && this.isOp('(')) e = { k: 'method', obj: e, name: key.v, ...this.callArgs() };
        else e = { k: 'attr', obj: e, key: key.v };
      } else if (this.op('[')) {
        e = this.subscript(e);
      } else if (this.isOp('(') && e.k === 'name') {
        e = { k: 'call', name: e.name, ...this.callArgs() };
      } else return e;
    }
  }
  /** `x[i]`, or a Python slice `x[a:b:c]` with every part optional. */
  private subscript(obj: Expr): Expr {
    const part = (): Expr | undefined => (this.isOp(':') || this.isOp(']') ? undefined : this.ternary());
    const start = part();
    if (!this.isOp(':')) {
      if (!start) this.fail('expected an index');
      this.expectOp(']');
      return { k: 'index', obj, index: start };
    }
    this.i++;
    const stop = part();
    const step = this.op(':') ? part() : undefined;
    this.expectOp(']');
    return { k: 'slice', obj, start, stop, step };
  }
  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.n };
    if (t.t === 'str') {
      let v = t.v;
      // Adjacent string literals join, as in Python.
      while (this.peek().t === 'str') v += this.next().v;
      return { k: 'lit', v };
    }
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      if (t.v === 'none' || t.v === 'None' || t.v === 'null') return { k: 'lit', v: null };
      return { k: 'name', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const first = this.ternary();
      if (!this.isOp(',')) {
        this.expectOp(')');
        return first;
      }
      // A tuple, which tackle keeps as a list.
      const items = [first];
      while (this.op(',') && !this.isOp(')')) items.push(this.ternary());
      this.expectOp(')');
      return { k: 'list', items };
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.ternary());
        if (!this.isOp(']')) this.expectOp(',');
      }
      this.i++;
      return { k: 'list', items };
    }
    if (t.t === 'op' && t.v === '{') {
      const entries: [Expr, Expr][] = [];
      while (!this.isOp('}')) {
        const key = this.ternary();
        this.expectOp(':');
        entries.push([key, this.ternary()]);
        if (!this.isOp('}')) this.expectOp(',');
      }
      this.i++;
      return { k: 'dict', entries };
    }
    this.i--;
    this.fail(t.t === 'end' ? 'expression ends too early' : `unexpected '${t.v}'`);
  }
}

const parseCache = new Map<string, Expr>();

function tooDeep(src: string): TemplateSyntaxError {
  return new TemplateSyntaxError(`expression nested more than ${MAX_EXPRESSION_DEPTH} levels deep: ${src.length > 60 ? `${src.slice(0, 60)}...` : src}`);
}

/** Depth of the tree, found without recursion. */
function treeDepth(root: Expr): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[root, 1]];
  while (todo.length > 0) {
    const [node, d] = todo.pop()!;
    if (d > deepest) deepest = d;
    if (d > MAX_EXPRESSION_DEPTH) break;
    for (const [key, child] of Object.entries(node as object)) {
      if (key === 'v') continue; // a literal's value is data, not a subexpression
      if (Array.isArray(child)) for (const c of child.flat()) todo.push([c, d + 1]);
      else if (child && typeof child === 'object') todo.push([child, d + 1]);
    }
  }
  return deepest;
}

export function parseExpression(src: string): Expr {
  let e = parseCache.get(src);
  if (!e) {
    e = new Parser(src).parseAll();
    if (parseCache.size > 5000) parseCache.clear();
    parseCache.set(src, e);
  }
  return e;
}
