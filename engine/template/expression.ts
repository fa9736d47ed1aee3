import { TackleError } from '../errors.ts';

/**
 * The expression language inside `{{ }}` and `when:`: a small Jinja subset, parsed by hand
 * (no eval). Paths, literals, filters, tests, comparisons and boolean logic.
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
  constructor(readonly variable: string) {}
}

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'name'; name: string }
  | { k: 'attr'; obj: Expr; key: string }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'filter'; arg: Expr; name: string; args: Expr[] }
  | { k: 'test'; arg: Expr; name: string; negate: boolean }
  | { k: 'list'; items: Expr[] }
  | { k: 'dict'; entries: [Expr, Expr][] }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'bin'; op: BinaryOp; l: Expr; r: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else?: Expr };

type BinaryOp = 'and' | 'or' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | '+' | '-' | '*' | '/' | '~';

interface Token {
  t: 'num' | 'str' | 'name' | 'op' | 'end';
  v: string;
  n?: number;
  at: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '=', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '+', '-', '*', '/', '~'];

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
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
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

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(private readonly src: string) {
    this.tokens = tokenize(src);
  }

  parseAll(): Expr {
    if (this.peek().t === 'end') throw new TemplateSyntaxError(`empty expression`);
    const e = this.ternary();
    if (this.peek().t !== 'end') this.fail(`unexpected '${this.peek().v}'`);
    return e;
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
    if (!this.isOp(v)) this.fail(`expected '${v}'`);
    this.i++;
  }
  private fail(message: string): never {
    const t = this.peek();
    const where = t.t === 'end' ? 'at end' : `at column ${t.at + 1}`;
    throw new TemplateSyntaxError(`${message} ${where} in expression: ${this.src}`);
  }

  private ternary(): Expr {
    const then = this.or();
    if (!this.isWord('if')) return then;
    this.i++;
    const test = this.or();
    if (!this.isWord('else')) return { k: 'cond', test, then };
    this.i++;
    return { k: 'cond', test, then, else: this.ternary() };
  }
  private or(): Expr {
    let l = this.and();
    while (this.isWord('or')) {
      this.i++;
      l = { k: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): Expr {
    let l = this.not();
    while (this.isWord('and')) {
      this.i++;
      l = { k: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }
  private not(): Expr {
    if (this.isWord('not')) {
      this.i++;
      return { k: 'not', e: this.not() };
    }
    return this.compare();
  }
  private compare(): Expr {
    let l = this.concat();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && COMPARISONS.has(t.v)) {
        this.i++;
        l = { k: 'bin', op: t.v as BinaryOp, l, r: this.concat() };
      } else if (this.isWord('in')) {
        this.i++;
        l = { k: 'bin', op: 'in', l, r: this.concat() };
      } else if (this.isWord('not') && this.peek(1).t === 'name' && this.peek(1).v === 'in') {
        this.i += 2;
        l = { k: 'bin', op: 'not in', l, r: this.concat() };
      } else return l;
    }
  }
  private concat(): Expr {
    let l = this.additive();
    while (this.isOp('~')) {
      this.i++;
      l = { k: 'bin', op: '~', l, r: this.additive() };
    }
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
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.next().v as BinaryOp;
      l = { k: 'bin', op, l, r: this.unary() };
    }
    return l;
  }
  private unary(): Expr {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', e: this.unary() };
    }
    return this.filtered();
  }
  private filtered(): Expr {
    let e = this.postfix();
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        const name = this.next();
        if (name.t !== 'name') this.fail(`expected a filter name after '|'`);
        e = { k: 'filter', arg: e, name: name.v, args: this.isOp('(') ? this.callArgs() : [] };
      } else if (this.isWord('is')) {
        this.i++;
        const negate = this.isWord('not');
        if (negate) this.i++;
        const name = this.next();
        if (name.t !== 'name') this.fail(`expected a test name after 'is'`);
        e = { k: 'test', arg: e, name: name.v, negate };
      } else return e;
    }
  }
  private callArgs(): Expr[] {
    this.expectOp('(');
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      // Keyword arguments (e.g. default(x, boolean=true)) are taken positionally by name order.
      if (this.peek().t === 'name' && this.peek(1).t === 'op' && this.peek(1).v === '=') this.i += 2;
      args.push(this.ternary());
      if (!this.isOp(')')) this.expectOp(',');
    }
    this.i++;
    return args;
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const key = this.next();
        if (key.t !== 'name' && key.t !== 'num') this.fail(`expected an attribute name after '.'`);
        e = { k: 'attr', obj: e, key: key.v };
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.ternary();
        this.expectOp(']');
        e = { k: 'index', obj: e, index };
      } else return e;
    }
  }
  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.n };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      if (t.v === 'none' || t.v === 'None' || t.v === 'null') return { k: 'lit', v: null };
      return { k: 'name', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.ternary();
      this.expectOp(')');
      return e;
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

export function parseExpression(src: string): Expr {
  let e = parseCache.get(src);
  if (!e) {
    e = new Parser(src).parseAll();
    if (parseCache.size > 5000) parseCache.clear();
    parseCache.set(src, e);
  }
  return e;
}
