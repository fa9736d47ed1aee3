import type { Connection } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { resolveOwner } from '../../engine/owner.ts';
import { requireProgram } from '../../engine/exec-helpers.ts';

/** POSIX ACLs through the target's setfacl/getfacl, compared as entries with permission sets. */

export type AclScope = 'access' | 'default';
export type AclTag = 'user' | 'group' | 'mask' | 'other';

export interface AclEntry {
  scope: AclScope;
  tag: AclTag;
  /** '' for the owner / owning group / mask / other; otherwise a numeric id (names are resolved first). */
  qualifier: string;
  /** r=4, w=2, x=1. */
  perms: number;
}

const TAGS: Record<string, AclTag> = { u: 'user', user: 'user', g: 'group', group: 'group', m: 'mask', mask: 'mask', o: 'other', other: 'other' };


/** One entry in setfacl syntax: `u:26:-wx`, `g:wheel:rx`, `d:u:26:rwx`, `m::rx`, `o::---`, `u:26:6`. */
export function parseAclEntry(spec: string): AclEntry {
  const parts = spec.trim().split(':');
  let scope: AclScope = 'access';
  if (parts[0] === 'd' || parts[0] === 'default') {
    scope = 'default';
    parts.shift();
  }
  const tag = TAGS[parts[0] ?? ''];
  // mask and other may be written with or without the empty qualifier: "m::rx" or "m:rx".
  if (tag && (tag === 'mask' || tag === 'other') && parts.length === 2) parts.splice(1, 0, '');
  if (!tag || parts.length !== 3) {
    throw new TaskError(`ACL entry "${spec}" is not in setfacl syntax, e.g. u:26:-wx, g:wheel:rx, d:u:26:rwx`);
  }
  const qualifier = parts[1]!;
  if (qualifier !== '' && (tag === 'mask' || tag === 'other')) {
    throw new TaskError(`ACL entry "${spec}": ${tag} takes no user or group`);
  }
  return { scope, tag, qualifier, perms: parsePerms(parts[2]!, spec) };
}

/** "rwx", "-wx", "wx-", "rX", "5" -> bits. X counts as x: the entries apply to a directory. */
export function parsePerms(text: string, spec = text): number {
  if (/^[0-7]$/.test(text)) return Number(text);
  if (!/^[rwxX-]{1,3}$/.test(text)) throw new TaskError(`ACL entry "${spec}": permissions "${text}" are not made of r, w, x, -`);
  let bits = 0;
  for (const c of text) bits |= c === 'r' ? 4 : c === 'w' ? 2 : c === '-' ? 0 : 1;
  return bits;
}

export function formatPerms(bits: number): string {
  return (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
}

/** As getfacl prints it: `user:26:-wx`, `default:mask::rwx`. */
export function formatAclEntry(e: AclEntry): string {
  return `${e.scope === 'default' ? 'default:' : ''}${e.tag}:${e.qualifier}:${formatPerms(e.perms)}`;
}

/** What identifies an entry, perms aside. */
export function aclKey(e: AclEntry): string {
  return `${e.scope}:${e.tag}:${e.qualifier}`;
}

/** Entries of `getfacl -p -n` output; comments (`# file:`, `#effective:`) are dropped. */
export function parseGetfacl(text: string): AclEntry[] {
  const entries: AclEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s*#.*$/, '').trim();
    if (line) entries.push(parseAclEntry(line));
  }
  return entries;
}

/** Replaces user and group names by their numeric ids on the target, as getfacl -n prints them. */
export async function resolveAclNames(conn: Connection, entries: readonly AclEntry[]): Promise<AclEntry[]> {
  return Promise.all(
    entries.map(async (e) => {
      if (e.qualifier === '' || /^\d+$/.test(e.qualifier)) return e;
      const ids = e.tag === 'user' ? await resolveOwner(conn, e.qualifier, undefined) : await resolveOwner(conn, undefined, e.qualifier);
      return { ...e, qualifier: String(e.tag === 'user' ? ids.uid : ids.gid) };
    }),
  );
}

export async function readAcl(conn: Connection, path: string): Promise<AclEntry[]> {
  const r = await conn.exec(['getfacl', '-p', '-n', '--', path]);
  requireProgram(r, 'getfacl', conn.hostName, 'acl');
  if (r.code !== 0) throw new TaskError(`getfacl ${path} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return parseGetfacl(r.stdout);
}

export interface AclPlan {
  /** Entries to (re)apply with setfacl -m; empty when all are in place. */
  modify: AclEntry[];
  /** Named entries to drop (aclExclusive). */
  remove: AclEntry[];
  /** Drop the whole default ACL (aclExclusive and no default entries wanted). */
  removeDefaults: boolean;
  reasons: string[];
}

/**
 * Compares as setfacl would leave things: every wanted entry present with its permission set,
 * and not narrowed by the mask (setfacl -m recomputes the mask unless one is given explicitly).
 */
export function planAcl(
  current: readonly AclEntry[],
  wanted: readonly AclEntry[],
  exclusive: boolean,
  /** Keys whose drift another reason already reports (e.g. the owner/group/other entries a mode implies). */
  quiet: ReadonlySet<string> = new Set(),
): AclPlan {
  const byKey = new Map(current.map((e) => [aclKey(e), e]));
  const reasons: string[] = [];
  let needModify = false;
  for (const want of wanted) {
    const have = byKey.get(aclKey(want));
    const label = aclLabel(want);
    const silent = quiet.has(aclKey(want));
    if (!have) {
      if (!silent) reasons.push(`ACL ${label} missing`);
      needModify = true;
    } else if (have.perms !== want.perms) {
      if (!silent) reasons.push(`ACL ${label} is ${formatPerms(have.perms)}, want ${formatPerms(want.perms)}`);
      needModify = true;
    } else if (isMaskedClass(want) && !explicitMask(wanted, want.scope)) {
      const mask = byKey.get(`${want.scope}:mask:`);
      if (mask && (mask.perms & want.perms) !== want.perms) {
        reasons.push(`ACL mask ${formatPerms(mask.perms)} narrows ${label} (${formatPerms(want.perms)})`);
        needModify = true;
      }
    }
  }
  const wantedKeys = new Set(wanted.map(aclKey));
  const wantsDefaults = wanted.some((e) => e.scope === 'default');
  const hasDefaults = current.some((e) => e.scope === 'default');
  const removeDefaults = exclusive && !wantsDefaults && hasDefaults;
  const remove = exclusive
    ? current.filter((e) => e.qualifier !== '' && !wantedKeys.has(aclKey(e)) && !(removeDefaults && e.scope === 'default'))
    : [];
  if (removeDefaults) reasons.push('default ACL present, none wanted');
  for (const e of remove) reasons.push(`ACL ${formatAclEntry(e)} not wanted`);
  return { modify: needModify || remove.length > 0 ? [...wanted] : [], remove, removeDefaults, reasons };
}

/** `user:26`, `other::`, `default:group:wheel`: an entry without its permissions. */
function aclLabel(e: AclEntry): string {
  return `${e.scope === 'default' ? 'default:' : ''}${e.tag}:${e.qualifier}${e.qualifier ? '' : ':'}`;
}

function isMaskedClass(e: AclEntry): boolean {
  return (e.tag === 'user' && e.qualifier !== '') || e.tag === 'group';
}

function explicitMask(wanted: readonly AclEntry[], scope: AclScope): boolean {
  return wanted.some((e) => e.scope === scope && e.tag === 'mask');
}

/** setfacl in the order that leaves a recomputed mask: removals first, then -m with every wanted entry. */
export async function applyAcl(conn: Connection, path: string, plan: Pick<AclPlan, 'modify' | 'remove' | 'removeDefaults'>): Promise<void> {
  if (plan.removeDefaults) await setfacl(conn, ['-k', '--', path]);
  if (plan.remove.length > 0) await setfacl(conn, ['-x', plan.remove.map(toSetfaclQualifier).join(','), '--', path]);
  if (plan.modify.length > 0) await setfacl(conn, ['-m', plan.modify.map(toSetfacl).join(','), '--', path]);
}

function toSetfacl(e: AclEntry): string {
  return `${e.scope === 'default' ? 'd:' : ''}${e.tag[0]}:${e.qualifier}:${formatPerms(e.perms)}`;
}

function toSetfaclQualifier(e: AclEntry): string {
  return `${e.scope === 'default' ? 'd:' : ''}${e.tag[0]}:${e.qualifier}`;
}

async function setfacl(conn: Connection, args: string[]): Promise<void> {
  const r = await conn.exec(['setfacl', ...args]);
  requireProgram(r, 'setfacl', conn.hostName, 'acl');
  if (r.code !== 0) throw new TaskError(`setfacl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
}
