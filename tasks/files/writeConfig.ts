import { dirname } from 'node:path';
import { fileFingerprint } from '../shared/fingerprint.ts';
import type { Connection, FileInfo } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { resolveOwner } from '../../engine/owner.ts';
import { setAttributes } from '../../engine/exec-helpers.ts';
import { defineTask, type CheckResult, type FileDiff } from '../../engine/task.ts';
import { holdsSecrets, keysOnlyDiff } from './secret-diff.ts';
import { formatMode, modeSchema, parseMode } from './file-mode.ts';
import { mergeJson, mergeYaml, parseStructured, serialize, valuesEqual, type StructuredFormat } from './structured-merge.ts';
import { isPlainObject } from '../../engine/values.ts';

/** Text is written as is; structured content in its format (the schema's default when not given). */
type WriteConfigBody = { text: string; content?: undefined; format?: StructuredFormat } | { content: unknown; text?: undefined; format: StructuredFormat };

export type WriteConfigParams = WriteConfigBody & {
  path: string;
  merge?: boolean;
  mode: string | number;
  owner?: string | number;
  group?: string | number;
  backup?: boolean;
  createDirs?: boolean;
};

export interface WriteConfigPlan {
  exists: boolean;
  /** Text to write, or null when the content is already right. */
  write: string | null;
  previous: string | null;
  fixAttributes: boolean;
  mode: number;
  uid: number;
  gid: number;
  info: FileInfo | null;
}

export default defineTask<WriteConfigParams, WriteConfigPlan>({
  name: 'writeConfig',
  summary: 'Writes a config file from structured content (YAML/JSON), from text, or merges keys into an existing YAML file, keeping its comments.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    oneOf: [{ required: ['content'] }, { required: ['text'] }],
    properties: {
      path: { type: 'string', pattern: '^/', description: 'Absolute path of the file on the target. A symlink or directory there is an error, not followed.' },
      content: {
        description:
          'Structured value written as YAML (or JSON with `format: json`). Compared by value: key order, quoting and comments alone are no change.',
      },
      text: { type: 'string', description: 'Text written as is (already templated); compared byte for byte.' },
      merge: {
        type: 'boolean',
        default: false,
        description:
          'With `content`: set only the given keys in the existing file. Maps merge key by key, lists and scalars replace; every other key and its comments stay. A missing file is created from `content`. Keys are never deleted.',
      },
      format: { enum: ['yaml', 'json'], default: 'yaml', description: 'Serialisation of `content`.' },
      mode: { ...modeSchema, default: '0644', description: `${modeSchema.description} An owner-only mode (0600, 0400) marks the file as holding secrets: --diff then names the keys that change, never a value.` },
      owner: { type: ['string', 'integer'], description: 'User name or uid; when omitted an existing file keeps its owner.' },
      group: { type: ['string', 'integer'], description: 'Group name or gid; when omitted an existing file keeps its group.' },
      backup: {
        type: 'boolean',
        default: false,
        description: 'Before replacing different content, copy the old file to PATH.YYYYMMDDTHHMMSS~ (same mode and owner).',
      },
      createDirs: {
        type: 'boolean',
        default: false,
        description: "Create missing parent directories (mode 0755). Otherwise a missing parent is an error.",
      },
    },
  },
  outputs: (p) => [p.path],
  inputs: (p) => [dirname(p.path)],

  async check(ctx): Promise<CheckResult<WriteConfigPlan>> {
    const p = ctx.params;
    const { conn } = ctx;
    validateCombination(p);
    const mode = parseMode(p.mode);
    const info = await conn.stat(p.path);
    if (info && info.type !== 'file') throw new TaskError(`${p.path} exists and is a ${info.type}, not a regular file`);
    if (!info) await requireParent(ctx.conn, p, ctx.pendingChange(dirname(p.path)));

    const previous = info ? (await conn.readFile(p.path))!.toString('utf8') : null;
    const desired = desiredText(p, previous);
    const write = previous !== null && sameContent(p, previous, desired) ? null : desired;

    const { uid, gid } = await resolveOwner(conn, p.owner, p.group);
    const reasons: string[] = [];
    if (!info) reasons.push('file missing');
    else if (write !== null) reasons.push('content differs');
    let fixAttributes = false;
    if (info) {
      if (info.mode !== mode) reasons.push(`mode ${formatMode(info.mode)}, want ${formatMode(mode)}`);
      if (uid !== -1 && info.uid !== uid) reasons.push(`owner ${info.uid}, want ${uid}`);
      if (gid !== -1 && info.gid !== gid) reasons.push(`group ${info.gid}, want ${gid}`);
      fixAttributes = write === null && reasons.length > 0;
    }
    const plan: WriteConfigPlan = { exists: info !== null, write, previous, fixAttributes, mode, uid, gid, info };
    return {
      changed: reasons.length > 0,
      reasons,
      diff: write === null ? [] : [fileDiff(p, previous, write, mode)],
      state: plan,
      fingerprint: { [`file ${p.path}`]: fileFingerprint(info, previous), owner: `${uid}:${gid}` },
    };
  },

  async change(ctx, result) {
    const p = ctx.params;
    const { conn } = ctx;
    const plan = result.state;
    const owner = plan.uid !== -1 ? plan.uid : plan.info?.uid;
    const group = plan.gid !== -1 ? plan.gid : plan.info?.gid;
    if (plan.write === null) {
      if (plan.info) {
        const chown = owner !== plan.info.uid || group !== plan.info.gid;
        await setAttributes(conn, p.path, {
          mode: plan.info.mode !== plan.mode ? plan.mode : undefined,
          owner: chown ? `${owner ?? ''}:${group ?? ''}` : undefined,
        });
      }
      return { message: 'attributes fixed' };
    }
    if (!plan.exists && p.createDirs) await conn.mkdir(dirname(p.path), { mode: 0o755 });
    let backupPath: string | undefined;
    if (p.backup && plan.info && plan.previous !== null) {
      backupPath = `${p.path}.${timestamp()}~`;
      await conn.writeFile(backupPath, plan.previous, { mode: plan.info.mode, owner: plan.info.uid, group: plan.info.gid });
    }
    await conn.writeFile(p.path, plan.write, { mode: plan.mode, owner, group });
    return backupPath ? { message: `written; backup ${backupPath}`, data: { backup: backupPath } } : { message: 'written' };
  },
});

/** Shown in full unless the task makes the file owner-only (it holds secrets): then its keys only. */
function fileDiff(p: WriteConfigParams, previous: string | null, write: string, mode: number): FileDiff {
  if (!holdsSecrets(mode)) return { path: p.path, before: previous ?? '', after: write };
  return keysOnlyDiff(p.path, previous, write, p.text !== undefined ? null : p.format);
}

function validateCombination(p: WriteConfigParams): void {
  const has = (k: 'content' | 'text') => p[k] !== undefined;
  if (has('content') === has('text')) throw new TaskError('writeConfig needs exactly one of `content` and `text`');
  if (p.merge && !has('content')) throw new TaskError('`merge: true` works with `content`, not `text`');
  if (p.merge && !isPlainObject(p.content)) throw new TaskError('`merge: true` needs `content` to be a map of keys to set');
}

function desiredText(p: WriteConfigParams, previous: string | null): string {
  if (p.text !== undefined) return p.text;
  const format = p.format;
  if (p.merge && previous !== null && previous.trim() !== '') {
    const patch = p.content as Record<string, unknown>;
    try {
      return format === 'json' ? mergeJson(previous, patch) : mergeYaml(previous, patch);
    } catch (e) {
      throw e instanceof TaskError ? new TaskError(`${p.path}: ${e.message}`) : e;
    }
  }
  return serialize(p.content, format);
}

/** Text compares byte for byte; structured content by parsed value. */
function sameContent(p: WriteConfigParams, previous: string, desired: string): boolean {
  // The same bytes are the same value: the parse is only needed when they differ.
  if (p.text !== undefined || previous === desired) return previous === desired;
  const format = p.format;
  const before = parseStructured(previous, format);
  const after = parseStructured(desired, format);
  return before !== undefined && after !== undefined && valuesEqual(before.value, after.value);
}

async function requireParent(conn: Connection, p: WriteConfigParams, pending: boolean): Promise<void> {
  if (p.createDirs || pending) return;
  const parent = await conn.stat(dirname(p.path));
  if (!parent) throw new TaskError(`directory ${dirname(p.path)} does not exist (create it first, or set createDirs: true)`);
  if (parent.type !== 'dir') throw new TaskError(`${dirname(p.path)} is not a directory`);
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}
