import type { FileDiff } from '../../engine/task.ts';
import { isPlainObject } from '../../engine/values.ts';
import { parseStructured, valuesEqual, type StructuredFormat } from './structured-merge.ts';

/** A file the task gives to its owner alone (0600, 0400) is taken to hold secrets. */
export function holdsSecrets(mode: number): boolean {
  return (mode & 0o077) === 0;
}

const HIDDEN = '********';

/**
 * --diff of a file that holds secrets: which keys are added, removed or changed, never a value.
 * Text that does not parse as structured data shows only that it changed.
 */
export function keysOnlyDiff(path: string, before: string | null, after: string, format: StructuredFormat | null): FileDiff {
  const old = before === null ? { value: {} } : format ? parseStructured(before, format) : undefined;
  const next = format ? parseStructured(after, format) : undefined;
  if (!old || !next) return { path, before: '', after: '', hidden: 'the file holds secrets (owner-only mode)' };
  const was = flatten(old.value);
  const will = flatten(next.value);
  const lines = (side: Map<string, unknown>, other: Map<string, unknown>, tag: string): string =>
    [...side]
      .map(([key, value]) => `${key}: ${HIDDEN}${other.has(key) && !valuesEqual(value, other.get(key)) ? ` (${tag})` : ''}\n`)
      .join('');
  return { path: `${path} (keys only: the file holds secrets)`, before: lines(was, will, 'old value'), after: lines(will, was, 'new value') };
}

/** Dotted key paths of the leaves of a map (lists are leaves). */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (!isPlainObject(value)) {
    out.set(prefix || '(document)', value);
    return out;
  }
  for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  return out;
}
