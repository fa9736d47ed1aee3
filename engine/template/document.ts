import { Parser, TemplateSyntaxError, type Expr } from './expression.ts';

/**
 * A template's text as a tree: text, `{{ expr }}`, and the statements `{% if %}`, `{% for %}`,
 * `{% set %}` and `{% raw %}`, with comments `{# #}` and whitespace control (`{{-`, `-%}`).
 * As in Ansible, the first newline after a block tag is dropped (trim_blocks); `+%}` keeps it.
 */
export type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; expr: Expr; src: string; line: number }
  | { t: 'if'; branches: { cond: Expr; body: Node[] }[]; else: Node[]; line: number }
  | { t: 'for'; targets: string[]; iter: Expr; filter?: Expr | undefined; body: Node[]; else: Node[]; line: number }
  | { t: 'set'; targets: string[]; expr: Expr; line: number };

interface Tag {
  kind: 'out' | 'stmt';
  body: string;
  line: number;
  col: number;
}

type Piece = string | Tag;

/**
 * Deepest nesting of block tags (`{% if %}`, `{% for %}`) in one template: far above any real
 * template, and low enough that parsing, checking and rendering it never exhaust the stack.
 */
export const MAX_BLOCK_DEPTH = 100;

function closing(s: string, from: number, close: string): number {
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (s.startsWith(close, i)) return i;
  }
  return -1;
}

/** Line and column of offsets met in increasing order, counted once over the text (a large template stays linear). */
class Positions {
  private at = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private readonly src: string) {}
  of(offset: number): { line: number; col: number } {
    for (; this.at < offset; this.at++) {
      if (this.src.charCodeAt(this.at) === 10) {
        this.line++;
        this.lineStart = this.at + 1;
      }
    }
    return { line: this.line, col: offset - this.lineStart + 1 };
  }
}

export function where(at: { line: number; col: number }): string {
  return `line ${at.line}, column ${at.col}`;
}

/** The position a template syntax message starts with (as `where` writes it), and the rest of it. */
export function positionOf(message: string): { line: number; col: number; detail: string } | undefined {
  const m = /^line (\d+)(?:, column (\d+))?: /.exec(message);
  return m ? { line: Number(m[1]), col: Number(m[2] ?? 1), detail: message.slice(m[0].length) } : undefined;
}

const TAG_OPEN = /\{[{%#]/g;

/** Splits the source into text and tags, applying whitespace control and trim_blocks. */
function lex(src: string): Piece[] {
  const pieces: Piece[] = [];
  const positions = new Positions(src);
  let text = '';
  let i = 0;
  let stripNext = false;
  const pushText = (): void => {
    if (text) pieces.push(text);
    text = '';
  };
  while (i < src.length) {
    const open = src.slice(i, i + 2);
    if (open !== '{{' && open !== '{%' && open !== '{#') {
      TAG_OPEN.lastIndex = i;
      const nextOpen = TAG_OPEN.exec(src)?.index ?? -1;
      const chunk = nextOpen < 0 ? src.slice(i) : src.slice(i, nextOpen);
      text += stripNext ? chunk.replace(/^\s+/, '') : chunk;
      stripNext = false;
      i += chunk.length;
      if (nextOpen < 0) break;
      continue;
    }
    const pos = positions.of(i);
    const close = open === '{{' ? '}}' : open === '{%' ? '%}' : '#}';
    let start = i + 2;
    if (src[start] === '-') {
      text = text.replace(/\s+$/, '');
      start++;
    } else if (src[start] === '+') start++;
    const end = open === '{#' ? src.indexOf(close, start) : closing(src, start, close);
    if (end < 0) throw new TemplateSyntaxError(`${where(pos)}: '${open}' without a closing '${close}'`);
    let body = src.slice(start, end);
    let after = end + 2;
    stripNext = false;
    let keepNewline = false;
    if (body.endsWith('-')) {
      body = body.slice(0, -1);
      stripNext = true;
    } else if (body.endsWith('+')) {
      body = body.slice(0, -1);
      keepNewline = true;
    }
    if (open === '{%' && /^\s*raw\s*$/.test(body)) {
      const m = /\{%[-+]?\s*endraw\s*[-+]?%\}/.exec(src.slice(after));
      if (!m) throw new TemplateSyntaxError(`${where(pos)}: {% raw %} without {% endraw %}`);
      text += src.slice(after, after + m.index);
      after += m.index + m[0].length;
    } else if (open !== '{#') {
      pushText();
      pieces.push({ kind: open === '{{' ? 'out' : 'stmt', body, ...pos });
    }
    if (open !== '{{' && !stripNext && !keepNewline && src[after] === '\n') after++;
    i = after;
  }
  pushText();
  return pieces;
}

const BLOCK_ENDS: Readonly<Record<string, readonly string[]>> = {
  if: ['elif', 'else', 'endif'],
  for: ['else', 'endfor'],
};

class TreeBuilder {
  private i = 0;
  private openBlocks = 0;
  constructor(private readonly pieces: Piece[]) {}

  build(): Node[] {
    const { nodes, end } = this.body([]);
    if (end) throw new TemplateSyntaxError(`${where(end)}: unexpected {% ${end.word} %}`);
    return nodes;
  }

  private body(stops: readonly string[]): { nodes: Node[]; end?: { word: string; parser: Parser; line: number; col: number } } {
    const nodes: Node[] = [];
    while (this.i < this.pieces.length) {
      const p = this.pieces[this.i++]!;
      if (typeof p === 'string') {
        nodes.push({ t: 'text', s: p });
        continue;
      }
      const at = where(p);
      const parser = new Parser(p.body);
      if (p.kind === 'out') {
        const expr = this.located(at, () => parser.parseAll());
        nodes.push({ t: 'out', expr, src: p.body, line: p.line });
        continue;
      }
      const word = this.located(at, () => parser.name('a statement (if, for, set, raw)'));
      if (stops.includes(word)) return { nodes, end: { word, parser, line: p.line, col: p.col } };
      nodes.push(this.inBlock(word, at, () => this.located(at, () => this.statement(word, parser, p.line))));
    }
    if (stops.length > 0) throw new TemplateSyntaxError(`the template ends inside a block: expected {% ${stops.at(-1)} %}`);
    return { nodes };
  }

  /** Counts the blocks a statement opens, refusing one nested deeper than MAX_BLOCK_DEPTH before its body is read. */
  private inBlock<T>(word: string, at: string, fn: () => T): T {
    if (!Object.hasOwn(BLOCK_ENDS, word)) return fn();
    if (this.openBlocks >= MAX_BLOCK_DEPTH) {
      throw new TemplateSyntaxError(`${at}: {% ${word} %} nested more than ${MAX_BLOCK_DEPTH} blocks deep (if and for blocks inside each other); flatten the template`);
    }
    this.openBlocks++;
    try {
      return fn();
    } finally {
      this.openBlocks--;
    }
  }

  private located<T>(where: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof TemplateSyntaxError && !error.message.startsWith('line ')) throw new TemplateSyntaxError(`${where}: ${error.message}`);
      throw error;
    }
  }

  private statement(word: string, parser: Parser, line: number): Node {
    if (word === 'if') {
      const branches = [{ cond: parser.expression(), body: [] as Node[] }];
      parser.expectEnd();
      for (;;) {
        const { nodes, end } = this.body(BLOCK_ENDS['if']!);
        branches.at(-1)!.body = nodes;
        const next = end!;
        if (next.word === 'elif') {
          branches.push({ cond: next.parser.expression(), body: [] });
          next.parser.expectEnd();
          continue;
        }
        next.parser.expectEnd();
        if (next.word === 'endif') return { t: 'if', branches, else: [], line };
        const rest = this.body(['endif']);
        rest.end!.parser.expectEnd();
        return { t: 'if', branches, else: rest.nodes, line };
      }
    }
    if (word === 'for') {
      const targets = parser.targets();
      if (!parser.word('in')) parser.fail(`expected 'in'`);
      const iter = parser.expression(false);
      const filter = parser.word('if') ? parser.expression(false) : undefined;
      parser.expectEnd();
      const { nodes, end } = this.body(BLOCK_ENDS['for']!);
      end!.parser.expectEnd();
      let elseBody: Node[] = [];
      if (end!.word === 'else') {
        const rest = this.body(['endfor']);
        elseBody = rest.nodes;
        rest.end!.parser.expectEnd();
      }
      return { t: 'for', targets, iter, filter, body: nodes, else: elseBody, line };
    }
    if (word === 'set') {
      const targets = parser.targets();
      if (!parser.op('=')) parser.fail(`expected '=' (block assignments are not supported)`);
      const expr = parser.expression();
      parser.expectEnd();
      return { t: 'set', targets, expr, line };
    }
    throw new TemplateSyntaxError(`unsupported statement {% ${word} %} (tackle knows if, elif, else, for, set, raw)`);
  }
}

const cache = new Map<string, Node[]>();

export function parseDocument(src: string): Node[] {
  let nodes = cache.get(src);
  if (!nodes) {
    nodes = new TreeBuilder(lex(src)).build();
    if (cache.size > 5000) cache.clear();
    cache.set(src, nodes);
  }
  return nodes;
}
