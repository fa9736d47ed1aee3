/** Reading, permission checks and installing of the key, request and certificate files. */
import { fileFingerprint } from '../shared/fingerprint.ts';
import { posix } from 'node:path';
import type { Connection, FileInfo } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { setAttributes } from '../../engine/exec-helpers.ts';
import { chownSpec, resolveOwner } from '../../engine/owner.ts';
import type { JsonSchema } from '../../engine/task.ts';

export interface FileState {
  path: string;
  content: Buffer | null;
  info: FileInfo | null;
}

/** What a certificate check read of its files, for the check's fingerprint (digests only: keys stay unseen). */
export function filesFingerprint(files: readonly FileState[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [`file ${f.path}`, fileFingerprint(f.info, f.content)]));
}

export interface Ownership {
  owner?: string | number;
  group?: string | number;
}

export const ownershipSchema: Record<string, JsonSchema> = {
  owner: { type: ['string', 'integer'], description: 'Owner of the written files (user name or uid); default: the connecting user.' },
  group: { type: ['string', 'integer'], description: 'Group of the written files (group name or gid).' },
};

/**
 * The file at `path`, which must be a regular file or missing: a symlink there would make another
 * file (root's key, say) the one read and adopted, and a FIFO would block the read.
 */
export async function readFileState(conn: Connection, path: string): Promise<FileState> {
  const info = await conn.stat(path);
  if (info === null) return { path, content: null, info };
  if (info.type !== 'file') throw new TaskError(`${path} is ${TYPE_NAMES[info.type]}, not a regular file: refusing to read or replace it (remove it)`);
  const content = await conn.readFile(path);
  const after = await conn.stat(path);
  if (after?.type !== 'file') throw new TaskError(`${path} was replaced by ${after ? TYPE_NAMES[after.type] : 'nothing'} while it was read: refusing to use it`);
  return { path, content, info };
}

const TYPE_NAMES: Record<FileInfo['type'], string> = { file: 'a file', dir: 'a directory', link: 'a symlink', other: 'a device, FIFO or socket' };

/**
 * Why an existing key (or CA certificate) is not ours to adopt, or null when it is: it must be
 * owned by root, the connecting user or the task's `owner`, and writable by its owner only.
 * Anyone else who could write it could have put their own key (their own CA) there.
 */
export async function adoptionProblem(conn: Connection, file: FileState, own: Ownership): Promise<string | null> {
  const info = file.info;
  if (!info || !file.content) return null;
  const name = file.path;
  if (info.mode & 0o022) return `${name} is writable by ${info.mode & 0o002 ? 'every user' : 'its group'} (mode ${octal(info.mode)}): someone else may have replaced it`;
  if (info.uid === 0) return null;
  if (own.owner !== undefined && (await resolveOwner(conn, own.owner, undefined)).uid === info.uid) return null;
  if (info.uid === (await connectingUid(conn))) return null;
  return `${name} is owned by uid ${info.uid}, neither root, the connecting user nor the task's owner: someone else may have put it there`;
}

async function connectingUid(conn: Connection): Promise<number> {
  const r = await conn.exec(['id', '-u']);
  const uid = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(uid)) throw new TaskError(`cannot tell the connecting user's uid on ${conn.hostName}: id -u said ${JSON.stringify(r.stderr.trim())}`);
  return uid;
}

/** The TaskError for a key or CA file that is not adopted: reported, never overwritten. */
export function notAdopted(problem: string): TaskError {
  return new TaskError(`${problem}; not adopted and not overwritten: check it, then remove it (a new one is made) or fix its owner and mode`);
}

/** "rootCA.key mode 0644 -> 0600", owner/group drift; empty when the file is as wanted (or missing). */
export async function permissionProblems(conn: Connection, file: FileState, mode: number, own: Ownership): Promise<string[]> {
  if (!file.info) return [];
  const name = posix.basename(file.path);
  const out: string[] = [];
  if (file.info.mode !== mode) out.push(`${name} mode ${octal(file.info.mode)} -> ${octal(mode)}`);
  if (own.owner !== undefined || own.group !== undefined) {
    const { uid, gid } = await resolveOwner(conn, own.owner, own.group);
    if (uid !== -1 && file.info.uid !== uid) out.push(`${name} owner ${file.info.uid} -> ${uid}`);
    if (gid !== -1 && file.info.gid !== gid) out.push(`${name} group ${file.info.gid} -> ${gid}`);
  }
  return out;
}

const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;

/**
 * Atomic write with the final mode and ownership from the first byte. A missing directory is
 * created with an explicit mode whatever the umask: 0700 (and the files' owner) for a key's, 0755
 * for others'.
 */
export async function installFile(conn: Connection, path: string, data: string | Buffer, mode: number, own: Ownership): Promise<void> {
  const dir = posix.dirname(path);
  if ((await conn.stat(dir)) === null) {
    const isKey = mode === KEY_MODE;
    await conn.mkdir(dir, { mode: isKey ? KEY_DIR_MODE : PUBLIC_DIR_MODE });
    if (isKey && (own.owner !== undefined || own.group !== undefined)) {
      const { uid, gid } = await resolveOwner(conn, own.owner, own.group);
      await setAttributes(conn, dir, { owner: chownSpec(uid, gid) });
    }
  }
  await conn.writeFile(path, data, { mode, ...(own.owner !== undefined ? { owner: own.owner } : {}), ...(own.group !== undefined ? { group: own.group } : {}) });
}

export const KEY_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const KEY_DIR_MODE = 0o700;
export const PUBLIC_DIR_MODE = 0o755;

/** A file name relative to `dir`, or an absolute path as given. */
export function inDir(dir: string, name: string): string {
  return posix.isAbsolute(name) ? name : posix.join(dir, name);
}
