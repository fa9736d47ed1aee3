import type { Connection, FileInfo, WriteOptions } from '../connection.ts';
import { CommandError } from '../errors.ts';
import { FileTooLargeError, MAX_BECOME_READ_BYTES } from './output-limit.ts';
import { tempPathFor } from './temp-file.ts';

/**
 * File operations done with commands instead of SFTP / fs: used where the file access must
 * happen as another user (become), and for mkdir/remove everywhere. Every value reaches the
 * script as a positional parameter, never as part of the script text.
 */

const MISSING = 3;

async function mustRun(conn: Connection, argv: readonly string[], input?: Buffer): Promise<string> {
  const r = await conn.exec(argv, { input });
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  return r.stdout;
}

const TOO_LARGE = 4;

/** The file's size is checked before a byte of it is read: a file over the limit ($2) is refused by it. */
const READ_SCRIPT = `[ -e "$1" ] || exit ${MISSING}; size=$(stat -L -c %s -- "$1") || exit 1; [ "$size" -le "$2" ] || { echo "$size"; exit ${TOO_LARGE}; }; exec base64 -- "$1"`;

export async function readFileByExec(conn: Connection, path: string): Promise<Buffer | null> {
  const argv = ['sh', '-c', READ_SCRIPT, 'tackle-read', path, String(MAX_BECOME_READ_BYTES)];
  const r = await conn.exec(argv, { probe: true });
  if (r.code === MISSING) return null;
  if (r.code === TOO_LARGE) throw new FileTooLargeError(path, Number(r.stdout.trim()), `${MAX_BECOME_READ_BYTES} bytes tackle reads as another user (become)`);
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  return Buffer.from(r.stdout, 'base64');
}

const STAT_SCRIPT = `[ -e "$1" ] || [ -L "$1" ] || exit ${MISSING}; exec stat -c '%f %u %g %s %Y' -- "$1"`;

function typeOfMode(mode: number): FileInfo['type'] {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'link';
    default:
      return 'other';
  }
}

export async function statByExec(conn: Connection, path: string): Promise<FileInfo | null> {
  const argv = ['sh', '-c', STAT_SCRIPT, 'tackle-stat', path];
  const r = await conn.exec(argv, { probe: true });
  if (r.code === MISSING) return null;
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  const [rawMode, uid, gid, size, mtime] = r.stdout.trim().split(' ');
  const mode = parseInt(rawMode ?? '', 16);
  return {
    type: typeOfMode(mode),
    mode: mode & 0o7777,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    mtimeMs: Number(mtime) * 1000,
  };
}

// noclobber (set -C) makes `>` create exclusively; the umask makes the file no more open than
// its final mode from its first byte; the trap removes the temp file on any failure.
const WRITE_SCRIPT = [
  'set -e',
  'path=$1 tmp=$2 mode=$3 owner=$4 group=$5',
  'umask "$6"',
  'set -C',
  `trap 'rm -f -- "$tmp"' EXIT`,
  'cat > "$tmp"',
  'chmod -- "$mode" "$tmp"',
  '[ -z "$owner" ] || chown -- "$owner" "$tmp"',
  '[ -z "$group" ] || chgrp -- "$group" "$tmp"',
  'mv -f -- "$tmp" "$path"',
  'trap - EXIT',
].join('\n');

export async function writeFileByExec(conn: Connection, path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o644;
  const tmp = tempPathFor(path);
  const umask = (~mode & 0o777).toString(8).padStart(3, '0');
  await mustRun(
    conn,
    ['sh', '-c', WRITE_SCRIPT, 'tackle-write', path, tmp, mode.toString(8), String(opts.owner ?? ''), String(opts.group ?? ''), umask],
    Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'),
  );
}

export async function mkdirByExec(conn: Connection, path: string, opts: { mode?: number } = {}): Promise<void> {
  // Under umask 022 the directories it creates get 0755 whatever the host's umask; then MODE.
  await mustRun(conn, ['sh', '-c', 'umask 022 && mkdir -p -- "$1"', 'tackle-mkdir', path]);
  if (opts.mode !== undefined) await mustRun(conn, ['chmod', '--', opts.mode.toString(8), path]);
}

export async function removeByExec(conn: Connection, path: string, opts: { recursive?: boolean } = {}): Promise<void> {
  await mustRun(conn, opts.recursive ? ['rm', '-rf', '--', path] : ['rm', '-f', '--', path]);
}
