import { posix } from 'node:path';
import type { FileEntry, SFTPWrapper, Stats } from 'ssh2';
import type { FileInfo } from '../../connection.ts';

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
const NO_SUCH_FILE = 2;
const OP_UNSUPPORTED = 8;
const FAILURE = 4;
/** The file-type bits of st_mode, and a regular file's. */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
/** Bytes per read or write request: ssh2 splits what the server's packet size cannot carry. */
const CHUNK = 64 * 1024;
/**
 * The first read of a file: the state files a check reads (keys, certificates, configs, units)
 * are a few KB. A 64 KB buffer per read, with a thousand hosts reading at once, was over
 * 100 MB of the controller's peak; a file past this asks its size and reads the rest.
 */
const FIRST_READ = 16 * 1024;
/**
 * Requests in flight at once on one file: one request per round trip ran at about 1 MB/s; with a
 * window of them loopback reaches tens of MB/s (bench/profile/sftp-throughput.ts).
 */
const WINDOW = 32;

type SftpError = Error & { code?: number };

function call<T>(fn: (cb: (err: SftpError | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** Runs op(offset, length) over [from, size) in CHUNK pieces, WINDOW of them at a time; the first error wins. */
async function pipelined(size: number, op: (offset: number, length: number) => Promise<void>, from = 0): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < size) {
      const offset = next;
      next += CHUNK;
      await op(offset, Math.min(CHUNK, size - offset));
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, Math.ceil((size - from) / CHUNK)) }, worker));
}

/**
 * The whole file, or null when missing; a file over maxBytes is refused once its size is known
 * (at most its first FIRST_READ bytes have been read by then). A file shorter than FIRST_READ
 * takes two round trips and three requests: the open, one read (a short read is the end of the
 * file), and the close, sent without waiting for its answer (the server handles a handle's
 * requests in order, and a failed close of a file only read changes nothing). Only a longer file
 * asks its size.
 */
export async function readFile(sftp: SFTPWrapper, path: string, maxBytes: number, tooLarge: (size: number) => Error): Promise<Buffer | null> {
  let handle: Buffer;
  try {
    handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  } catch (e) {
    if ((e as SftpError).code === NO_SUCH_FILE) return null;
    throw e;
  }
  const readInto = (buf: Buffer, offset: number, length: number, position: number): Promise<number> =>
    call<number>((cb) => sftp.read(handle, buf, offset, length, position, (err, bytesRead) => cb(err, bytesRead)));
  try {
    // One byte past the limit tells a file over it from one that just fits.
    const first = Math.min(FIRST_READ, maxBytes + 1);
    const head = Buffer.allocUnsafe(first);
    const headBytes = await readInto(head, 0, first, 0);
    // A copy of exactly the bytes read: a slice would keep the whole first read's buffer alive
    // for as long as the content is (a task holds what it read).
    if (headBytes < first) return Buffer.from(head.subarray(0, headBytes));
    const { size } = await call<Stats>((cb) => sftp.fstat(handle, cb));
    if (size > maxBytes) throw tooLarge(size);
    // Exactly `size` bytes, fewer if the file shrank meanwhile.
    if (size <= headBytes) return head.subarray(0, size);
    const data = Buffer.alloc(size);
    head.copy(data);
    let end = size;
    await pipelined(
      size,
      async (offset, length) => {
        const got = await readInto(data, offset, length, offset);
        if (got < length) end = Math.min(end, offset + got); // the file shrank meanwhile
      },
      headBytes,
    );
    return end < size ? data.subarray(0, end) : data;
  } finally {
    void call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => {});
  }
}

function fileType(s: Stats): FileInfo['type'] {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'link';
  return 'other';
}

export async function lstat(sftp: SFTPWrapper, path: string): Promise<FileInfo | null> {
  try {
    const s = await call<Stats>((cb) => sftp.lstat(path, cb));
    return { type: fileType(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, mtimeMs: s.mtime * 1000 };
  } catch (e) {
    if ((e as SftpError).code === NO_SUCH_FILE) return null;
    throw e;
  }
}

/**
 * Creates `path` exclusively with `mode` (so it is never more open than asked), writes `data`,
 * then fchmod (umask may have narrowed the create mode) and fchown.
 */
export async function writeNewFile(
  sftp: SFTPWrapper,
  path: string,
  data: Buffer,
  mode: number,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const handle = await call<Buffer>((cb) => sftp.open(path, 'wx', { mode }, cb));
  try {
    try {
      await pipelined(data.length, (offset, length) => call<void>((cb) => sftp.write(handle, data, offset, length, offset, (err) => cb(err, undefined))));
    } catch (e) {
      throw await explainWriteFailure(sftp, path, data.length, e);
    }
    await call<void>((cb) => sftp.fchmod(handle, mode, (err) => cb(err, undefined)));
    if (owner) {
      // SFTP sets uid and gid together: keep the current one where none was asked for.
      const current = await call<Stats>((cb) => sftp.fstat(handle, cb));
      const uid = owner.uid >= 0 ? owner.uid : current.uid;
      const gid = owner.gid >= 0 ? owner.gid : current.gid;
      await call<void>((cb) => sftp.fchown(handle, uid, gid, (err) => cb(err, undefined)));
    }
  } catch (e) {
    await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined))).catch(() => {});
    await unlinkQuietly(sftp, path);
    throw e;
  }
  await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined)));
}

/**
 * SFTP (version 3, as OpenSSH speaks it) reports a full disk as a bare "Failure": when the file
 * system's free space (statvfs@openssh.com) is smaller than the data, say so as the OS would.
 */
async function explainWriteFailure(sftp: SFTPWrapper, path: string, bytes: number, e: unknown): Promise<unknown> {
  if ((e as SftpError).code !== FAILURE) return e;
  try {
    const fs = await call<{ f_bavail: number; f_frsize: number; f_bsize: number }>((cb) => sftp.ext_openssh_statvfs(posix.dirname(path), cb));
    const free = fs.f_bavail * (fs.f_frsize || fs.f_bsize);
    if (free < bytes) return new Error(`cannot write ${path}: no space left on device (${free} bytes free on its file system, ${bytes} to write)`);
  } catch {
    // no statvfs extension, or it failed too: keep the server's own error
  }
  return e;
}

/** posix-rename@openssh.com replaces the target atomically; false when the server lacks it. */
export async function atomicRename(sftp: SFTPWrapper, from: string, to: string): Promise<boolean> {
  try {
    await call<void>((cb) => sftp.ext_openssh_rename(from, to, (err) => cb(err, undefined)));
    return true;
  } catch (e) {
    const err = e as SftpError;
    if (err.code === OP_UNSUPPORTED || /not supported/i.test(err.message)) return false;
    throw e;
  }
}

/**
 * Removes the regular files beside `path` whose names begin with `prefix` and that were last
 * modified more than `staleAfterSeconds` before `path` was. Ages are taken on the host's clock,
 * from `path` itself (just written), never the controller's: a host whose clock is behind must
 * not see a live write's temp file as old. One listing of the directory; nothing is removed when
 * it cannot be read or `path` is not in it. A link or a directory of such a name is left.
 */
export async function removeStaleSiblings(sftp: SFTPWrapper, path: string, prefix: string, staleAfterSeconds: number): Promise<void> {
  const dir = posix.dirname(path);
  let entries: FileEntry[];
  try {
    entries = await call<FileEntry[]>((cb) => sftp.readdir(dir, cb));
  } catch {
    return;
  }
  const target = entries.find((e) => e.filename === posix.basename(path));
  if (!target) return;
  const stale = entries.filter(
    (e) => e.filename.startsWith(prefix) && (e.attrs.mode & S_IFMT) === S_IFREG && target.attrs.mtime - e.attrs.mtime > staleAfterSeconds,
  );
  await Promise.all(stale.map((e) => unlinkQuietly(sftp, posix.join(dir, e.filename))));
}

export async function unlinkQuietly(sftp: SFTPWrapper, path: string): Promise<void> {
  await call<void>((cb) => sftp.unlink(path, (err) => cb(err, undefined))).catch(() => {});
}

/** Follows symlinks, as `mkdir -p` does; null when missing. */
async function statFollowing(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
  try {
    return await call<Stats>((cb) => sftp.stat(path, cb));
  } catch (e) {
    if ((e as SftpError).code === NO_SUCH_FILE) return null;
    throw e;
  }
}

/**
 * `chmod MODE` on a directory as GNU chmod does it with an octal mode of up to four digits:
 * set-user-ID and set-group-ID bits the directory has are kept. Only sent when the mode differs.
 */
async function chmodDirLikeGnu(sftp: SFTPWrapper, path: string, current: Stats, mode: number): Promise<void> {
  const wanted = mode | (current.mode & 0o6000);
  if ((current.mode & 0o7777) === wanted) return;
  await call<void>((cb) => sftp.chmod(path, wanted, (err) => cb(err, undefined)));
}

/**
 * `mkdir -p PATH` (then `chmod MODE PATH` when a mode is given) over SFTP: a stat first, and
 * only the missing directories created (parents 0755, PATH `mode` or 0755, whatever the umask); nothing is sent for a directory that is already right.
 * Returns false, having changed nothing, when the case is not the plain one (a component that
 * is not a directory, a permission problem): the caller then runs the commands, which also
 * give the usual error.
 */
export async function mkdirs(sftp: SFTPWrapper, path: string, mode: number | undefined): Promise<boolean> {
  const missing: string[] = [];
  let at = path;
  let found: Stats | null;
  try {
    while (!(found = await statFollowing(sftp, at))) {
      missing.unshift(at);
      const up = posix.dirname(at);
      if (up === at) return false;
      at = up;
    }
  } catch {
    return false;
  }
  if (!found.isDirectory()) return false;
  for (const dir of missing) {
    try {
      await call<void>((cb) => sftp.mkdir(dir, { mode: 0o700 }, (err) => cb(err, undefined)));
      // Its mode whatever the server's umask: 0755 for a parent, the asked mode for the directory.
      const wanted = dir === path ? (mode ?? 0o755) : 0o755;
      await call<void>((cb) => sftp.chmod(dir, wanted, (err) => cb(err, undefined)));
    } catch {
      // Someone else may have made it meanwhile; anything else is for the commands to report.
      if (!(await statFollowing(sftp, dir).catch(() => null))?.isDirectory()) return false;
    }
  }
  if (mode === undefined || missing.length > 0) return true;
  try {
    await chmodDirLikeGnu(sftp, path, found, mode);
  } catch {
    return false;
  }
  return true;
}
