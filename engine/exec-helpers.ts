import type { Connection, ExecOptions, ExecResult } from './connection.ts';
import { CommandError, TaskError } from './errors.ts';
import { SCRATCH_DIR_ARGV } from './connections/temp-file.ts';

/** exec() that requires exit code 0 (or one of okCodes). */
export async function run(
  conn: Connection,
  argv: readonly string[],
  opts: ExecOptions & { okCodes?: readonly number[] } = {},
): Promise<ExecResult> {
  const result = await conn.exec(argv, opts);
  const ok = opts.okCodes ?? [0];
  if (!ok.includes(result.code)) throw new CommandError(argv, result.code, result.stderr);
  return result;
}

/** Reads a file as UTF-8 text, or null when missing. */
export async function readText(conn: Connection, path: string): Promise<string | null> {
  const buf = await conn.readFile(path);
  return buf === null ? null : buf.toString('utf8');
}

/**
 * chmod/chown of exactly the file or directory at PATH, never what a symlink swapped in there
 * points to: the path is opened once, the open file is checked to be the one at PATH (same
 * device and inode, not a link), and the changes go to the open file through /proc/self/fd.
 */
const SET_ATTRIBUTES_SCRIPT = [
  'p=$1 mode=$2 owner=$3 recurse=$4',
  'if [ -L "$p" ] || [ -p "$p" ]; then echo "refusing to change $p: it is a symlink or a FIFO, not what was checked" >&2; exit 3; fi',
  'exec 3<"$p" || exit 3',
  'if [ -L "$p" ] || [ "$(stat -c %d:%i -- "$p")" != "$(stat -L -c %d:%i /proc/self/fd/3)" ]; then',
  '  echo "refusing to change $p: it was replaced while being changed" >&2; exit 3',
  'fi',
  'if [ -n "$owner" ]; then',
  '  if [ "$recurse" = 1 ]; then chown -R -H -- "$owner" /proc/self/fd/3/ || exit; else chown -- "$owner" /proc/self/fd/3 || exit; fi',
  'fi',
  '[ -z "$mode" ] || chmod -- "$mode" /proc/self/fd/3',
].join('\n');

export async function setAttributes(
  conn: Connection,
  path: string,
  attrs: { mode?: number; owner?: string; recursive?: boolean },
): Promise<void> {
  const mode = attrs.mode === undefined ? '' : attrs.mode.toString(8);
  await run(conn, ['sh', '-c', SET_ATTRIBUTES_SCRIPT, 'tackle-set-attributes', path, mode, attrs.owner ?? '', attrs.recursive ? '1' : '0']);
}

/** Exit status of a command whose program does not exist (shells, sudo, LocalConnection). */
const EXIT_NOT_FOUND = 127;

/** True when `result` says the program was not found. */
export function programNotFound(result: ExecResult): boolean {
  return result.code === EXIT_NOT_FOUND;
}

/** The one wording for a program the host lacks: where, and which package provides it. */
export function missingProgramMessage(program: string, host: string, pkg: string): string {
  return `${program} not found on ${host} (install the ${pkg} package)`;
}

/** Throws a TaskError naming the package to install when `result` says the program was not found. */
export function requireProgram(result: ExecResult, program: string, host: string, pkg: string): void {
  if (programNotFound(result)) throw new TaskError(missingProgramMessage(program, host, pkg));
}

/** Runs fn with a private (0700) temp directory on the target, removed afterwards whatever happens. */
export async function withTargetTempDir<T>(conn: Connection, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = (await run(conn, SCRATCH_DIR_ARGV)).stdout.trim();
  try {
    return await fn(dir);
  } finally {
    await conn.remove(dir, { recursive: true });
  }
}
