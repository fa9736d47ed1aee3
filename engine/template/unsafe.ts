import { isPlainObject } from '../values.ts';

/**
 * A YAML `!unsafe` string: used as written, never templated (Ansible's AnsibleUnsafeText).
 * Rendering turns it into its text; what reads it afterwards gets a plain string.
 */
export class UnsafeText {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** The value with every `!unsafe` string as its plain text (for schema checks of literal values). */
export function unsafeAsText(value: unknown): unknown {
  if (value instanceof UnsafeText) return value.text;
  if (Array.isArray(value)) return value.map(unsafeAsText);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unsafeAsText(v)]));
  return value;
}
