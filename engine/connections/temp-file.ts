import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

/**
 * Every connection writes PATH through a sibling temp file DIR/.NAME.tackle-RANDOM and then
 * renames it over PATH, so a target is never partial. This module is the one place that names
 * those files, and the one place that knows how to sweep them after a hard stop.
 */
const TEMP_INFIX = '.tackle-';

/** The temp file a write of `path` goes through (same directory, so the rename is atomic). */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}${TEMP_INFIX}${randomBytes(6).toString('hex')}`);
}

/** $1 = directory, $2 = file name: removes $1/.$2.tackle-* (the quoted parts match literally). */
const REMOVE_TEMP_FILES = `for f in "$1"/.*; do case "$f" in "$1/.$2${TEMP_INFIX}"*) rm -f -- "$f" ;; esac; done`;

/** argv that removes every temp file a write of `path` may have left behind. */
export function removeTempFilesArgv(path: string): string[] {
  return ['sh', '-c', REMOVE_TEMP_FILES, 'tackle-cleanup', posix.dirname(path), posix.basename(path)];
}
