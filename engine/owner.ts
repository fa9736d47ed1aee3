import type { Connection } from './connection.ts';
import { TaskError } from './errors.ts';

/** Resolves a user / group name (or numeric id) to ids on the host, with `id -u` / `getent group`. */
export async function resolveOwner(
  conn: Connection,
  owner: string | number | undefined,
  group: string | number | undefined,
): Promise<{ uid: number; gid: number }> {
  let uid = -1;
  let gid = -1;
  if (owner !== undefined) uid = await lookupId(conn, ['id', '-u', '--', String(owner)], owner, 'user');
  if (group !== undefined) gid = await lookupGroup(conn, group);
  return { uid, gid };
}

async function lookupId(conn: Connection, argv: string[], value: string | number, what: string): Promise<number> {
  if (typeof value === 'number' || /^\d+$/.test(value)) return Number(value);
  const r = await conn.exec(argv);
  if (r.code !== 0) throw new TaskError(`no such ${what} on ${conn.hostName}: ${value}`);
  return Number(r.stdout.trim());
}

async function lookupGroup(conn: Connection, group: string | number): Promise<number> {
  if (typeof group === 'number' || /^\d+$/.test(group)) return Number(group);
  const r = await conn.exec(['getent', 'group', '--', group]);
  if (r.code !== 0) throw new TaskError(`no such group on ${conn.hostName}: ${group}`);
  return Number(r.stdout.split(':')[2]);
}

/** The `chown` argument for ids from resolveOwner (-1: leave as is): `uid`, `:gid` or `uid:gid`; undefined for neither. */
export function chownSpec(uid: number, gid: number): string | undefined {
  if (uid === -1 && gid === -1) return undefined;
  // "UID:" (nothing after the colon) is not a group left alone: chown takes it for the user's login group, or refuses it.
  return gid === -1 ? String(uid) : `${uid === -1 ? '' : uid}:${gid}`;
}
