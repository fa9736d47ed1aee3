import { readFileSync, statSync } from 'node:fs';
import { UnsafeText } from '../template/unsafe.ts';
import { decodeUtf8, textProblem } from './text-checks.ts';
import { SECRET_MIN_LENGTH } from '../secrets.ts';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { InputError, type SourcePos } from '../errors.ts';
import { hasTemplate } from '../template/template.ts';
import { isVaultText, vaultDecryptWithAny, type VaultSecret } from './vault.ts';
import { noteInputFile } from '../input-files.ts';

/** Larger files are refused: a playbook, inventory or vars file has no business being this big. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Bounds "billion laughs" alias expansion. */
export const MAX_ALIAS_COUNT = 1000;

export type PathSegment = string | number;

export interface ReadOptions {
  /** Decrypt whole-file Ansible Vault files and inline `!vault |` values (every --vault-id, in order). */
  vaultSecrets?: readonly VaultSecret[];
  /** Receives every secret value read: `!secret` and `!vault` values (whole secret files are added by readVarsMap). */
  secrets?: Set<string>;
}

const NO_VAULT_PASSWORD = 'is encrypted with Ansible Vault: pass --vault-password-file, --vault-id or --ask-vault-pass';

/**
 * The booleans of YAML 1.1 as PyYAML (so Ansible) reads them: yes/no/on/off in any of their three
 * spellings, beside YAML 1.2's true/false. Like PyYAML, `y` and `n` stay strings. Numbers keep
 * YAML 1.2's rules (0640 is 640, which tasks read by its digits as the mode 0640).
 */
const YAML11_BOOLEANS = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  identify: (value: unknown): boolean => typeof value === 'boolean',
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text: string): boolean => /^(?:yes|on)$/i.test(text),
};

/** One parsed YAML file: its value, its problems, and positions of any node by path. */
export class YamlSource {
  readonly problems: InputError[] = [];
  /** Offsets of YAML syntax errors: nodes around them may be cut short. */
  private readonly syntaxErrorOffsets: number[];
  /** undefined when the file could not be read or turned into a value at all. */
  readonly value: unknown;
  /** The whole file was Ansible Vault encrypted (every value in it is secret). */
  vaultEncrypted = false;

  private constructor(
    readonly file: string,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
    problems: InputError[],
    value: unknown,
    syntaxErrorOffsets: number[] = [],
  ) {
    this.syntaxErrorOffsets = syntaxErrorOffsets;
    this.problems.push(...problems);
    this.value = value;
  }

  /** Reads and parses; never throws for bad input (problems are collected instead). */
  static read(file: string, displayName = file, opts: ReadOptions = {}): YamlSource {
    const lines = new LineCounter();
    const start: SourcePos = { file: displayName, line: 1, col: 1 };
    const fail = (detail: string, pos = start): YamlSource => new YamlSource(displayName, undefined, lines, [new InputError(pos, detail)], undefined);
    let bytes: Buffer;
    try {
      const stat = statSync(file);
      if (stat.isDirectory()) return fail('cannot read file: it is a directory');
      if (stat.size > MAX_FILE_BYTES) return fail(`file is too large (${stat.size} bytes; at most ${MAX_FILE_BYTES})`);
      bytes = readFileSync(file);
      noteInputFile(file, bytes);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
      return fail(`cannot read file: ${reason}`);
    }
    const decoded = decodeUtf8(bytes);
    if ('problem' in decoded) return fail(decoded.problem, { file: displayName, line: decoded.line, col: decoded.col });
    let text = decoded.text;
    let vaultEncrypted = false;
    if (isVaultText(text)) {
      if (!opts.vaultSecrets?.length) return fail(`the file ${NO_VAULT_PASSWORD}`);
      try {
        text = vaultDecryptWithAny(text, opts.vaultSecrets, displayName);
        vaultEncrypted = true;
      } catch (error) {
        return fail((error as Error).message);
      }
    }
    const src = YamlSource.parse(text, displayName, lines, opts);
    src.vaultEncrypted = vaultEncrypted;
    return src;
  }

  static parse(text: string, file: string, lines = new LineCounter(), opts: ReadOptions = {}): YamlSource {
    const bad = textProblem(text);
    if (bad) return new YamlSource(file, undefined, lines, [new InputError({ file, line: bad.line, col: bad.col }, bad.problem)], undefined);
    const secretTag = {
      tag: '!secret',
      resolve(value: string, onError: (message: string) => void): string {
        if (value.length < SECRET_MIN_LENGTH) onError(`a !secret value must have at least ${SECRET_MIN_LENGTH} characters (shorter ones cannot be masked in output)`);
        else if (hasTemplate(value)) onError('a !secret value is used as written and cannot be a template: mark the variables it uses as !secret instead');
        else opts.secrets?.add(value);
        return value;
      },
    };
    const vaultTag = {
      tag: '!vault',
      resolve(value: string, onError: (message: string) => void): string {
        if (!opts.vaultSecrets?.length) {
          onError(`this value ${NO_VAULT_PASSWORD}`);
          return '';
        }
        try {
          const plain = vaultDecryptWithAny(value, opts.vaultSecrets, file);
          opts.secrets?.add(plain);
          return plain;
        } catch (error) {
          onError((error as Error).message);
          return '';
        }
      },
    };
    const unsafeTag = { tag: '!unsafe', resolve: (value: string): UnsafeText => new UnsafeText(value) };
    // The yaml package's own duplicate-key check compares every key with every other (quadratic in
    // a 100,000-host map); duplicateKeyOffsets does the same check with a set.
    const doc = parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: false, prettyErrors: true, customTags: [vaultTag, secretTag, unsafeTag, YAML11_BOOLEANS] });
    const problems: InputError[] = [];
    const posAt = (offset: number): SourcePos => ({ file, ...lines.linePos(offset) });
    for (const offset of duplicateKeyOffsets(doc)) problems.push(new InputError(posAt(offset), 'YAML syntax error: Map keys must be unique'));
    const circular = circularAliasOffsets(doc);
    for (const offset of circular) {
      problems.push(new InputError(posAt(offset), 'YAML alias inside the value it names (a circular alias): the value would never end; refusing the document'));
    }
    for (const err of doc.errors) {
      const detail = err.message.split(' at line ')[0];
      problems.push(new InputError(posAt(err.pos[0]), err.code === 'TAG_RESOLVE_FAILED' ? detail! : `YAML syntax error: ${detail}`));
    }
    for (const warning of doc.warnings) {
      // A tag meant for one value put on a map or list: the value would be taken unmarked (or encrypted text as is).
      if (warning.code === 'TAG_RESOLVE_FAILED' && /!(secret|vault)\b/.test(warning.message)) {
        problems.push(new InputError(posAt(warning.pos[0]), 'the tags !secret and !vault apply to one value (a string or number), not to a map or list'));
      }
    }
    let value: unknown;
    // Nothing downstream may walk a value that contains itself.
    if (circular.length > 0) return new YamlSource(file, doc, lines, problems, undefined, doc.errors.map((e) => e.pos[0]));
    try {
      // A document with syntax errors still has a partial tree: use what it has.
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const alias = firstAliasOffset(doc);
      const message = error instanceof ReferenceError && /alias/i.test(error.message)
        ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}); refusing the document`
        : `cannot read YAML: ${(error as Error).message}`;
      problems.push(new InputError(posAt(alias ?? 0), message));
      value = undefined;
    }
    return new YamlSource(file, doc, lines, problems, value, doc.errors.map((e) => e.pos[0]));
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  /**
   * True when a syntax error falls inside the node at `path`: the parser may have cut it short,
   * so "missing X" complaints about it would only echo the syntax error.
   */
  truncated(path: readonly PathSegment[]): boolean {
    const range = (this.node(path) as { range?: [number, number, number] } | undefined)?.range;
    return !!range && this.syntaxErrorOffsets.some((o) => o >= range[0] && o <= range[2]);
  }

  pos(offset: number | undefined): SourcePos {
    if (offset === undefined || !this.doc) return { file: this.file, line: 1, col: 1 };
    return { file: this.file, ...this.lines.linePos(offset) };
  }

  /** The node at a path of map keys and sequence indexes; undefined when absent. */
  node(path: readonly PathSegment[]): Node | undefined {
    let node: unknown = this.doc?.contents ?? undefined;
    for (const seg of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyOf(p.key) === String(seg));
        node = pair?.value ?? undefined;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
      } else return undefined;
    }
    return (this.resolve(node) as Node | undefined) ?? undefined;
  }

  /** The key node of `key` inside the map at `path`. */
  keyNode(path: readonly PathSegment[], key: string): Node | undefined {
    const map = path.length === 0 ? this.resolve(this.doc?.contents) : this.node(path);
    if (!isMap(map)) return undefined;
    const pair = map.items.find((p) => keyOf(p.key) === key);
    return pair && (isScalar(pair.key) || isMap(pair.key) || isSeq(pair.key)) ? pair.key : undefined;
  }

  /** Position of the deepest existing node along `path` (the node itself when it exists). */
  posOf(path: readonly PathSegment[]): SourcePos {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.resolve(this.doc?.contents) : this.node(path.slice(0, n));
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.pos(range[0]);
    }
    return this.pos(0);
  }

  posOfKey(path: readonly PathSegment[], key: string): SourcePos {
    const node = this.keyNode(path, key);
    return node?.range ? this.pos(node.range[0]) : this.posOf(path);
  }

  error(path: readonly PathSegment[], message: string): InputError {
    return new InputError(this.posOf(path), message);
  }

  private resolve(node: unknown): unknown {
    let n = node;
    for (let guard = 0; isAlias(n) && this.doc && guard < 100; guard++) n = n.resolve(this.doc);
    return n;
  }
}

function keyOf(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** Where a scalar key repeats one before it in the same map (`<<` merge keys may repeat). */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || pair.key.value === '<<') continue;
        if (seen.has(pair.key.value)) offsets.push(pair.key.range?.[0] ?? 0);
        else seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

/** Where an alias sits inside the node its anchor names (`&a [1, *a]`): a value that contains itself. */
function circularAliasOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc) as { range?: [number, number, number] } | undefined;
      const at = alias.range?.[0];
      if (at !== undefined && target?.range && at >= target.range[0] && at < target.range[2]) offsets.push(at);
    },
  });
  return offsets;
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

