/** Reading, permission checks and installing of the key, request and certificate files. */
import { posix } from 'node:path';
import type { Connection, FileInfo } from '../../engine/connection.ts';
import { resolveOwner } from '../../engine/owner.ts';
import type { JsonSchema } from '../../engine/task.ts';

export interface FileState {
  path: string;
  content: Buffer | null;
  info: FileInfo | null;
}

export interface Ownership {
  owner?: string | number;
  group?: string | number;
}

export const ownershipSchema: Record<string, JsonSchema> = {
  owner: { type: ['string', 'integer'], description: 'Owner of the written files (user name or uid); default: the connecting user.' },
  group: { type: ['string', 'integer'], description: 'Group of the written files (group name or gid).' },
};

export async function readFileState(conn: Connection, path: string): Promise<FileState> {
  const [content, info] = await Promise.all([conn.readFile(path), conn.stat(path)]);
  return { path, content, info };
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

/** Atomic write with the final mode and ownership from the first byte; creates the directory. */
export async function installFile(conn: Connection, path: string, data: string | Buffer, mode: number, own: Ownership): Promise<void> {
  await conn.mkdir(posix.dirname(path));
  await conn.writeFile(path, data, { mode, ...(own.owner !== undefined ? { owner: own.owner } : {}), ...(own.group !== undefined ? { group: own.group } : {}) });
}

export const KEY_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

/** A file name relative to `dir`, or an absolute path as given. */
export function inDir(dir: string, file: string | undefined, fallback: string): string {
  const name = file ?? fallback;
  return posix.isAbsolute(name) ? name : posix.join(dir, name);
}
