/**
 * Every secret value seen during a run (secret task parameters, no_log values, secret
 * variables) is registered here, and every line of output, diff and report passes
 * through mask() before it leaves the process.
 */
export const MASK = '********';

/** Shorter values are not masked: they would mask ordinary words. `!secret` refuses them. */
export const SECRET_MIN_LENGTH = 4;

/** Names of keys (env variables, config keys) whose values are taken to be secret wherever they come from. */
const SECRET_NAME = /pass|secret|token|key|psk|credential|auth|cookie|private/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

export class SecretMasker {
  /**
   * Every form of every secret, by length, and the set of their first characters: masking a line
   * looks up each position that starts like a secret once per distinct length, so the cost
   * depends on the line, not on how many secrets there are.
   */
  private readonly byLength = new Map<number, Set<string>>();
  /** Distinct lengths, longest first (the longest match wins). */
  private lengths: number[] = [];
  private readonly prefixes = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const s of initial) this.add(s);
  }

  add(value: unknown): void {
    for (const s of leafStrings(value)) for (const form of encodedForms(s)) this.addForm(form);
  }

  mask(text: string): string {
    if (this.prefixes.size === 0 || text.length < SECRET_MIN_LENGTH) return text;
    let out = '';
    let copiedTo = 0;
    for (let i = 0; i <= text.length - SECRET_MIN_LENGTH; ) {
      const length = this.prefixes.has(text.slice(i, i + SECRET_MIN_LENGTH)) ? this.longestAt(text, i) : 0;
      if (length === 0) {
        i++;
        continue;
      }
      out += text.slice(copiedTo, i) + MASK;
      i += length;
      copiedTo = i;
    }
    return copiedTo === 0 ? text : out + text.slice(copiedTo);
  }

  /** Length of the longest secret that starts at text[i], or 0. */
  private longestAt(text: string, i: number): number {
    for (const length of this.lengths) {
      if (i + length <= text.length && this.byLength.get(length)!.has(text.slice(i, i + length))) return length;
    }
    return 0;
  }

  private addForm(s: string): void {
    // Very short values would mask ordinary words; they are still never printed by no_log tasks.
    if (s.length < SECRET_MIN_LENGTH) return;
    let same = this.byLength.get(s.length);
    if (!same) {
      this.byLength.set(s.length, (same = new Set()));
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    same.add(s);
    this.prefixes.add(s.slice(0, SECRET_MIN_LENGTH));
  }
}

/**
 * A secret as tackle itself may print it: as is, trimmed, escaped as JSON and YAML quote it,
 * and, for a multi-line value (a PEM key), each of its lines on its own.
 */
function encodedForms(s: string): string[] {
  const forms = [s, s.trim()];
  const json = JSON.stringify(s).slice(1, -1);
  forms.push(json, s.replace(/'/g, "''"));
  if (/[\r\n]/.test(s)) for (const line of s.split(/\r?\n|\r/)) forms.push(line, line.trim());
  return forms;
}

/**
 * Values that sit on the host and that tackle was never told about, masked by what they are:
 * the value of a secret-looking key (`password: x`, `SECRET_KEY=x`, `"token": "x"`, a YAML
 * block scalar under such a key), and the password in a URL (`postgresql://user:x@host`).
 */
export function maskByKey(text: string): string {
  let blockIndent = -1;
  const lines = text.split('\n').map((line) => {
    const indent = line.length - line.trimStart().length;
    if (blockIndent >= 0) {
      if (line.trim() === '' || indent > blockIndent) return line.trim() === '' ? line : `${line.slice(0, indent)}${MASK}`;
      blockIndent = -1;
    }
    const entry = KEY_LINE.exec(line);
    if (entry && looksSecret(entry[3]!) && !entry[5]!.startsWith('//')) {
      const value = entry[5]!;
      if (value === '') return line;
      if (/^[|>][-+0-9]*\s*(#.*)?$/.test(value)) {
        blockIndent = indent;
        return line;
      }
      return `${entry[1]}${entry[2]}${entry[3]}${entry[2]}${entry[4]}${value.endsWith(',') ? `${MASK},` : MASK}`;
    }
    return line.replace(INLINE_ASSIGNMENT, (all, key: string) => (looksSecret(key) ? `${key}=${MASK}` : all));
  });
  return lines.join('\n').replace(URL_PASSWORD, `$1${MASK}$3`);
}

/** `key: value`, `- key: value`, `"key": value`, `KEY=value`. */
const KEY_LINE = /^(\s*(?:-\s+)?)(["']?)([A-Za-z_][\w.-]*)\2(\s*[:=]\s*)(.*)$/;
/** `KEY=value` inside a line (a command's output, an env line shown as `env: KEY=value`). */
const INLINE_ASSIGNMENT = /\b([A-Za-z_][\w.-]*)=(?!\*{8})[^\s,;&]+/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s@/]+)(@)/gi;

/** Every string and number inside a value, as strings (map keys excluded). */
export function* leafStrings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (typeof value === 'number' || typeof value === 'bigint') yield String(value);
  else if (Array.isArray(value)) for (const v of value) yield* leafStrings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* leafStrings(v);
}
