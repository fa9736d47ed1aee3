import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

/**
 * Every connection writes PATH through a sibling temp file DIR/.NAME.tackle-RANDOM and then
 * renames it over PATH, so a target is never partial. Scratch directories on a host live in its
 * temp dir as tackle-shPID-RANDOM (a persistent shell's, alive while process PID is),
 * tackle-tmp.RANDOM (env and auth files of one command) and tackle-x509.RANDOM (the openssl
 * backend's). This module is the one place that knows those names, and how to sweep what a
 * killed run (SIGKILL, a lost host) left behind.
 */
const TEMP_INFIX = '.tackle-';

/**
 * A leftover is one not modified for this long: a live write keeps its temp file fresh (every
 * request has a deadline far below this), and a scratch dir lives for one command (a pull's
 * 30 minutes at most), so a concurrent run's files are never taken for a dead one's.
 */
export const STALE_AFTER_MINUTES = 60;

/** The temp file a write of `path` goes through (same directory, so the rename is atomic). */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `${tempNamePrefix(path)}${randomBytes(6).toString('hex')}`);
}

/** How the names of the temp files of writes of `path` begin, in its directory. */
export function tempNamePrefix(path: string): string {
  return `.${posix.basename(path)}${TEMP_INFIX}`;
}

/** $1 = directory, $2 = file name: removes $1/.$2.tackle-* (the quoted parts match literally). */
const REMOVE_TEMP_FILES = `for f in "$1"/.*; do case "$f" in "$1/.$2${TEMP_INFIX}"*) rm -f -- "$f" ;; esac; done`;

/** argv that removes every temp file a write of `path` may have left behind. */
export function removeTempFilesArgv(path: string): string[] {
  return ['sh', '-c', REMOVE_TEMP_FILES, 'tackle-cleanup', posix.dirname(path), posix.basename(path)];
}

/** True (exit 0) when $1 was last modified more than STALE_AFTER_MINUTES ago; `./` keeps a leading `-` from find. */
const IS_STALE = `stale() { case $1 in /*) s=$1 ;; *) s=./$1 ;; esac; [ -n "$(find "$s" -maxdepth 0 -mmin +${STALE_AFTER_MINUTES} 2>/dev/null)" ]; }`;

const REMOVE_STALE_TEMP_FILES = `${IS_STALE}; for f in "$1"/.*; do case "$f" in "$1/.$2${TEMP_INFIX}"*) [ -f "$f" ] && [ ! -L "$f" ] && stale "$f" && rm -f -- "$f" ;; esac; done; exit 0`;

/** argv that removes the temp files of writes of `path` that a killed run left behind (stale ones only). */
export function removeStaleTempFilesArgv(path: string): string[] {
  return ['sh', '-c', REMOVE_STALE_TEMP_FILES, 'tackle-sweep', posix.dirname(path), posix.basename(path)];
}

/** `mktemp` arguments for a scratch directory in the host's temp dir (0700, removed by its user). */
export const SCRATCH_DIR_ARGV: readonly string[] = ['mktemp', '-d', '-t', 'tackle-tmp.XXXXXXXX'];

/**
 * Removes this user's scratch dirs that their owners left: a persistent shell's once its
 * process is gone (where /proc tells), anything else once stale. Never follows a symlink.
 */
const SWEEP_SCRATCH_DIRS = [
  IS_STALE,
  't=${TMPDIR:-/tmp}',
  'for d in "$t"/tackle-sh* "$t"/tackle-tmp.* "$t"/tackle-x509.*; do',
  '  [ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] || continue',
  '  case ${d##*/} in',
  '    tackle-sh[0-9]*-*) p=${d##*/tackle-sh}; p=${p%%-*}',
  '      if [ -d /proc/self ]; then [ -d "/proc/$p" ] && continue; else stale "$d" || continue; fi ;;',
  '    *) stale "$d" || continue ;;',
  '  esac',
  '  rm -rf -- "$d"',
  'done',
  'exit 0',
].join('\n');

/** argv of the sweep a host session runs once, when it first connects. */
export function sweepScratchDirsArgv(): string[] {
  return ['sh', '-c', SWEEP_SCRATCH_DIRS, 'tackle-sweep'];
}
