/**
 * Every secret value seen during a run (secret task parameters, no_log values, secret
 * variables) is registered here, and every line of output, diff and report passes
 * through mask() before it leaves the process.
 */
export const MASK = '********';

/** Shorter values are not masked: they would mask ordinary words. `!secret` refuses them. */
export const SECRET_MIN_LENGTH = 4;

export class SecretMasker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(initial: Iterable<string> = []) {
    for (const s of initial) this.add(s);
  }

  add(value: unknown): void {
    for (const s of leafStrings(value)) {
      // Very short values would mask ordinary words; they are still never printed by no_log tasks.
      if (s.length >= SECRET_MIN_LENGTH && !this.secrets.has(s)) {
        this.secrets.add(s);
        this.pattern = null;
      }
    }
  }

  mask(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }
}

/** Every string and number inside a value, as strings (map keys excluded). */
export function* leafStrings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (typeof value === 'number' || typeof value === 'bigint') yield String(value);
  else if (Array.isArray(value)) for (const v of value) yield* leafStrings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* leafStrings(v);
}
