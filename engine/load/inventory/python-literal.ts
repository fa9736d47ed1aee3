/**
 * The value of an INI inventory variable, typed as Ansible types it: Python's ast.literal_eval
 * (strings, numbers, True/False/None, lists, tuples, dicts), and the text as written when it is
 * not a Python literal. Nothing is ever evaluated as code.
 */
export function iniValue(text: string): unknown {
  const parsed = parsePythonLiteral(text);
  return parsed.ok ? parsed.value : text;
}

type Parsed = { ok: true; value: unknown } | { ok: false };

const NOT_A_LITERAL = Symbol('not a literal');

export function parsePythonLiteral(text: string): Parsed {
  try {
    const parser = new LiteralParser(text.replace(/^[ \t]+/, ''));
    const value = parser.topLevel();
    return { ok: true, value };
  } catch (error) {
    if (error === NOT_A_LITERAL) return { ok: false };
    throw error;
  }
}

const STRING_START = /^([rRbBuU]|[rR][bB]|[bB][rR])?('''|"""|'|")/;
const NUMBER = /^(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|(\d(_?\d)*\.(\d(_?\d)*)?|\.\d(_?\d)*|\d(_?\d)*)([eE][+-]?\d(_?\d)*)?[jJ]?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

class LiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  topLevel(): unknown {
    this.skipSpace();
    if (this.atEnd()) throw NOT_A_LITERAL;
    const first = this.value();
    this.skipSpace();
    // "1, 2" is a tuple in Python.
    if (this.peek() === ',') {
      const items = [first];
      while (this.eat(',')) {
        this.skipSpace();
        if (this.atEnd()) break;
        items.push(this.value());
        this.skipSpace();
      }
      if (!this.atEnd()) throw NOT_A_LITERAL;
      return items;
    }
    if (!this.atEnd()) throw NOT_A_LITERAL;
    return first;
  }

  private value(): unknown {
    this.skipSpace();
    const c = this.peek();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.parenthesised();
    if (c === '{') return this.braces();
    if (c === '-' || c === '+') {
      this.pos++;
      this.skipSpace();
      const n = this.number();
      return c === '-' ? -n : n;
    }
    if (STRING_START.test(this.rest())) return this.strings();
    if (/[0-9.]/.test(c)) return this.number();
    const name = NAME.exec(this.rest());
    if (name) {
      this.pos += name[0].length;
      if (name[0] === 'True') return true;
      if (name[0] === 'False') return false;
      if (name[0] === 'None') return null;
    }
    throw NOT_A_LITERAL;
  }

  private number(): number {
    const m = NUMBER.exec(this.rest());
    if (!m || m[0] === '' || m[0] === '.') throw NOT_A_LITERAL;
    const text = m[0].replace(/_/g, '');
    // Complex numbers have no JSON form; leading zeros ("0777") are a Python syntax error.
    const decimalInteger = /^\d+$/.test(text);
    if (/[jJ]$/.test(text) || (decimalInteger && /^0+[1-9]/.test(text))) throw NOT_A_LITERAL;
    this.pos += m[0].length;
    if (/^0[xX]/.test(text)) return parseInt(text.slice(2), 16);
    if (/^0[oO]/.test(text)) return parseInt(text.slice(2), 8);
    if (/^0[bB]/.test(text)) return parseInt(text.slice(2), 2);
    const n = Number(text);
    if (Number.isNaN(n)) throw NOT_A_LITERAL;
    const next = this.peek();
    if (next !== '' && /[A-Za-z0-9_]/.test(next)) throw NOT_A_LITERAL;
    return n;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let out = '';
    do {
      out += this.string();
      this.skipSpace();
    } while (STRING_START.test(this.rest()));
    return out;
  }

  private string(): string {
    const m = STRING_START.exec(this.rest())!;
    const raw = /[rR]/.test(m[1] ?? '');
    const quote = m[2]!;
    this.pos += m[0].length;
    let out = '';
    for (;;) {
      if (this.atEnd()) throw NOT_A_LITERAL;
      if (this.src.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const c = this.src[this.pos]!;
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === undefined) throw NOT_A_LITERAL;
        if (raw) {
          out += c + next;
          this.pos += 2;
        } else out += this.escape();
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  private escape(): string {
    const next = this.src[this.pos + 1]!;
    this.pos += 2;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    const hexLen = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = this.src.slice(this.pos, this.pos + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) throw NOT_A_LITERAL;
      this.pos += hexLen;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))![0];
      this.pos += oct.length;
      return String.fromCodePoint(parseInt(next + oct, 8));
    }
    return simple[next] ?? '\\' + next;
  }

  private parenthesised(): unknown {
    this.pos++;
    this.skipSpace();
    if (this.eat(')')) return [];
    const first = this.value();
    this.skipSpace();
    if (this.eat(')')) return first;
    // A tuple: "(1,)" or "(1, 2)".
    if (!this.eat(',')) throw NOT_A_LITERAL;
    return [first, ...this.itemsUntil(')')];
  }

  private sequence(open: string, close: string): unknown[] {
    this.pos += open.length;
    return this.itemsUntil(close);
  }

  private itemsUntil(close: string): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eat(close)) return items;
      items.push(this.value());
      this.skipSpace();
      if (this.eat(close)) return items;
      if (!this.eat(',')) throw NOT_A_LITERAL;
    }
  }

  /** A dict, or a set (which has no JSON form). */
  private braces(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.eat('}')) return out;
      const key = this.value();
      this.skipSpace();
      if (!this.eat(':')) throw NOT_A_LITERAL;
      if (typeof key === 'object' && key !== null) throw NOT_A_LITERAL;
      out[key === null ? 'null' : typeof key === 'boolean' ? (key ? 'true' : 'false') : String(key)] = this.value();
      this.skipSpace();
      if (this.eat('}')) return out;
      if (!this.eat(',')) throw NOT_A_LITERAL;
    }
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /[ \t]/.test(this.src[this.pos]!)) this.pos++;
    // A comment runs to the end of the line.
    if (this.src[this.pos] === '#') this.pos = this.src.length;
  }

  private rest(): string {
    return this.src.slice(this.pos);
  }

  private peek(): string {
    return this.src[this.pos] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private eat(s: string): boolean {
    if (!this.src.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }
}
