import type { Connection, FileInfo } from '../../engine/connection.ts';
import { fileFingerprint, valueDigest } from '../shared/fingerprint.ts';
import { TaskError } from '../../engine/errors.ts';
import { chownSpec, resolveOwner } from '../../engine/owner.ts';
import { run, setAttributes } from '../../engine/exec-helpers.ts';
import { defineTask, type CheckResult } from '../../engine/task.ts';
import {
  aclKey,
  applyAcl,
  formatAclEntry,
  parseAclEntry,
  planAcl,
  readAcl,
  resolveAclNames,
  type AclEntry,
  type AclPlan,
} from './acl.ts';
import { formatMode, modeSchema, parseMode } from './file-mode.ts';

export interface DirectoryParams {
  path: string;
  state?: 'present' | 'absent';
  mode?: string | number;
  owner?: string | number;
  group?: string | number;
  recurse?: boolean;
  acl?: string[];
  aclExclusive: boolean;
}

interface Plan {
  info: FileInfo | null;
  mode?: number;
  uid: number;
  gid: number;
  chmod: boolean;
  chown: boolean;
  acl?: AclPlan & { wanted: AclEntry[] };
}

/** What change() does: remove the directory, or create / fix it as planned. */
type DirectoryPlan = { remove: true } | Plan;

export default defineTask<DirectoryParams, DirectoryPlan>({
  name: 'directory',
  summary: 'Ensures a directory exists (or not) with its mode, owner, group and POSIX ACL entries (setfacl syntax).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', pattern: '^/', description: 'Absolute path of the directory on the target; parents are created as needed.' },
      state: {
        enum: ['present', 'absent'],
        default: 'present',
        description: '`absent` removes the directory and everything in it.',
      },
      mode: {
        ...modeSchema,
        description: `${modeSchema.description} With \`acl\`, the group bits set the owning group's ACL entry (group::), not the mask.`,
      },
      owner: { type: ['string', 'integer'], description: 'User name or uid.' },
      group: { type: ['string', 'integer'], description: 'Group name or gid.' },
      recurse: {
        type: 'boolean',
        default: false,
        description: 'Apply owner and group to everything beneath as well (mode and ACL apply to the directory only).',
      },
      acl: {
        type: 'array',
        items: { type: 'string' },
        description:
          'ACL entries in setfacl syntax: `u:26:-wx`, `g:wheel:rx`, `d:u:26:rwx` (default ACL). Names are resolved to ids on the target; permissions compare as sets (`-wx` equals `wx-`). Needs setfacl/getfacl (package `acl`).',
      },
      aclExclusive: {
        type: 'boolean',
        default: false,
        description: 'Remove named ACL entries (and a default ACL) not listed in `acl`. Off: listed entries are ensured, others kept.',
      },
    },
  },
  outputs: (p) => [p.path],

  async check(ctx): Promise<CheckResult<DirectoryPlan>> {
    const p = ctx.params;
    const { conn } = ctx;
    const info = await conn.stat(p.path);
    if (info && info.type !== 'dir') throw new TaskError(`${p.path} exists and is a ${info.type}, not a directory`);

    if (p.state === 'absent') {
      const fingerprint = { [`directory ${p.path}`]: fileFingerprint(info) };
      if (!info) return { changed: false, fingerprint };
      return { changed: true, reasons: ['directory present'], diff: [describe(p.path, info, 'present', 'absent')], state: { remove: true }, fingerprint };
    }

    const mode = p.mode === undefined ? undefined : parseMode(p.mode);
    const { uid, gid } = await resolveOwner(conn, p.owner, p.group);
    const wantedAcl = p.acl ? await wantedEntries(conn, p.acl, mode) : undefined;
    const reasons: string[] = [];
    const plan: Plan = { info, mode, uid, gid, chmod: false, chown: false };

    if (!info) {
      reasons.push('directory missing');
      plan.chmod = mode !== undefined;
      plan.chown = uid !== -1 || gid !== -1;
      if (wantedAcl) plan.acl = { wanted: wantedAcl, modify: wantedAcl, remove: [], removeDefaults: false, reasons: [] };
    } else {
      const currentAcl = wantedAcl ? await readAcl(conn, p.path) : undefined;
      if (mode !== undefined) {
        const shown = displayedMode(info.mode, currentAcl);
        if (shown !== mode) reasons.push(`mode ${formatMode(shown)}, want ${formatMode(mode)}`);
        // With an ACL, the group bits of stat() are the mask; the owning group's entry is set by setfacl.
        plan.chmod = (info.mode & (currentAcl ? 0o7707 : 0o7777)) !== (mode & (currentAcl ? 0o7707 : 0o7777));
      }
      if ((uid !== -1 && info.uid !== uid) || (gid !== -1 && info.gid !== gid)) {
        reasons.push(`owner ${info.uid}:${info.gid}, want ${uid === -1 ? info.uid : uid}:${gid === -1 ? info.gid : gid}`);
        plan.chown = true;
      } else if (p.recurse && (uid !== -1 || gid !== -1) && (await ownerDriftBeneath(conn, p.path, uid, gid))) {
        reasons.push('owner differs beneath');
        plan.chown = true;
      }
      if (wantedAcl && currentAcl) {
        const implied = new Set(mode === undefined ? [] : ['access:user:', 'access:group:', 'access:other:']);
        for (const spec of p.acl ?? []) implied.delete(aclKey(parseAclEntry(spec)));
        const aclPlan = planAcl(currentAcl, wantedAcl, p.aclExclusive, implied);
        // chmod rewrites the mask of an extended ACL: re-apply the entries after it.
        if (plan.chmod && aclPlan.modify.length === 0) aclPlan.modify = wantedAcl;
        plan.acl = { wanted: wantedAcl, ...aclPlan };
        reasons.push(...aclPlan.reasons);
        return result(p.path, plan, reasons, currentAcl);
      }
    }
    return result(p.path, plan, reasons, undefined);
  },

  async change(ctx, checked) {
    const p = ctx.params;
    const { conn } = ctx;
    const plan = checked.state;
    if ('remove' in plan) {
      await conn.remove(p.path, { recursive: true });
      return { message: 'removed' };
    }
    if (!plan.info && !plan.chown) {
      // A directory it creates itself gets its mode from mkdir: no command, on SSH one SFTP request more.
      await conn.mkdir(p.path, plan.chmod ? { mode: plan.mode } : {});
    } else {
      if (!plan.info) await conn.mkdir(p.path);
      await setAttributes(conn, p.path, {
        owner: plan.chown ? chownSpec(plan.uid, plan.gid) : undefined,
        mode: plan.chmod ? plan.mode : undefined,
        recursive: p.recurse,
      });
    }
    if (plan.acl) await applyAcl(conn, p.path, plan.acl);
  },
});

/** The listed entries with ids for names; a given mode contributes the owner, group and other entries. */
async function wantedEntries(conn: Connection, specs: readonly string[], mode: number | undefined): Promise<AclEntry[]> {
  const listed = await resolveAclNames(conn, specs.map(parseAclEntry));
  const byKey = new Map<string, AclEntry>();
  if (mode !== undefined) {
    byKey.set('access:user:', { scope: 'access', tag: 'user', qualifier: '', perms: (mode >> 6) & 7 });
    byKey.set('access:group:', { scope: 'access', tag: 'group', qualifier: '', perms: (mode >> 3) & 7 });
    byKey.set('access:other:', { scope: 'access', tag: 'other', qualifier: '', perms: mode & 7 });
  }
  for (const e of listed) byKey.set(aclKey(e), e);
  return [...byKey.values()];
}

async function ownerDriftBeneath(conn: Connection, path: string, uid: number, gid: number): Promise<boolean> {
  const tests = [...(uid !== -1 ? ['!', '-uid', String(uid)] : []), ...(gid !== -1 && uid !== -1 ? ['-o'] : []), ...(gid !== -1 ? ['!', '-gid', String(gid)] : [])];
  // find takes no `--`: a path that does not start with "/" could be read as an expression (the schema refuses one).
  if (!path.startsWith('/')) throw new TaskError(`directory: path '${path}' must be absolute`);
  const r = await run(conn, ['find', path, '(', ...tests, ')', '-print', '-quit']);
  return r.stdout.trim() !== '';
}

function result(path: string, plan: Plan, reasons: string[], currentAcl: AclEntry[] | undefined): CheckResult<Plan> {
  const before = plan.info ? stateText(path, displayedMode(plan.info.mode, currentAcl), plan.info.uid, plan.info.gid, currentAcl ?? [], plan.acl?.wanted) : '';
  const after = stateText(
    path,
    plan.mode ?? plan.info?.mode,
    plan.uid === -1 ? plan.info?.uid : plan.uid,
    plan.gid === -1 ? plan.info?.gid : plan.gid,
    plan.acl?.wanted ?? [],
    plan.acl?.wanted,
    plan.acl?.remove,
  );
  const fingerprint = { [`directory ${path}`]: fileFingerprint(plan.info), ...(currentAcl ? { [`acl ${path}`]: valueDigest(currentAcl) } : {}), owner: `${plan.uid}:${plan.gid}` };
  return { changed: reasons.length > 0, reasons, diff: reasons.length > 0 ? [{ path, before, after }] : [], state: plan, fingerprint };
}

/** With an extended ACL the group bits of stat() are the mask; show the owning group's entry instead. */
function displayedMode(mode: number, acl: readonly AclEntry[] | undefined): number {
  const owningGroup = acl?.find((e) => e.scope === 'access' && e.tag === 'group' && e.qualifier === '');
  return owningGroup ? (mode & 0o7707) | (owningGroup.perms << 3) : mode;
}

/** The managed attributes as lines, so --diff shows what changes. */
function stateText(
  path: string,
  mode: number | undefined,
  uid: number | undefined,
  gid: number | undefined,
  entries: readonly AclEntry[],
  shown: readonly AclEntry[] | undefined,
  removed: readonly AclEntry[] = [],
): string {
  const lines = [`directory: ${path}`];
  if (mode !== undefined) lines.push(`mode: ${formatMode(mode)}`);
  if (uid !== undefined) lines.push(`owner: ${uid}`);
  if (gid !== undefined) lines.push(`group: ${gid}`);
  if (shown) {
    const keys = new Set(shown.map(aclKey));
    const gone = new Set(removed.map(aclKey));
    for (const e of entries) if (e.qualifier !== '' && !gone.has(aclKey(e))) keys.add(aclKey(e));
    for (const e of entries) if (keys.has(aclKey(e)) && e.tag !== 'mask') lines.push(`acl: ${formatAclEntry(e)}`);
  }
  return lines.join('\n') + '\n';
}

function describe(path: string, info: FileInfo, before: string, after: string): { path: string; before: string; after: string } {
  return { path, before: `directory: ${path} (${before}, mode ${formatMode(info.mode)})\n`, after: `directory: ${path} (${after})\n` };
}
