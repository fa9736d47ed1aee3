import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../task.ts';

/** Unified diff text for --diff. */
export function renderDiff(d: FileDiff): string {
  if (d.hidden !== undefined) return `--- ${d.path}: changed (content hidden: ${d.hidden})\n`;
  return createTwoFilesPatch(`${d.path} (before)`, `${d.path} (after)`, d.before, d.after, undefined, undefined, { context: 3 });
}
