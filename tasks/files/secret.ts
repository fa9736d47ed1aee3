import { randomBytes } from 'node:crypto';
import { digest, fileFingerprint } from '../shared/fingerprint.ts';
import { dirname } from 'node:path';
import type { Connection, FileInfo } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { readText, setAttributes } from '../../engine/exec-helpers.ts';
import { chownSpec, resolveOwner } from '../../engine/owner.ts';
import { defineTask } from '../../engine/task.ts';

interface SecretParams {
  path: string;
  value?: string;
  bytes: number;
  encoding: 'base64' | 'hex' | 'alnum';
  mode: string;
  owner?: string;
  group?: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function generate(bytes: number, encoding: SecretParams['encoding']): string {
  const raw = randomBytes(bytes);
  if (encoding === 'base64') return raw.toString('base64');
  if (encoding === 'hex') return raw.toString('hex');
  // Rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < bytes) {
    for (const b of randomBytes(bytes * 2)) if (b < 248 && out.length < bytes) out += ALNUM[b % 62];
  }
  return out;
}

/**
 * A secret generated once and kept on the host (mode 0600), so re-runs reuse it and change
 * nothing. `register:` gives `.value`, which is masked everywhere it could be printed.
 */
/** Set when the value is right and only the mode or owner needs fixing. */
type SecretPlan = { keep: string } | undefined;

export default defineTask<SecretParams, SecretPlan>({
  name: 'secret',
  summary: 'Generates a random secret once and keeps it in a 0600 file on the host; re-runs read it back (register: .value, always masked).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', pattern: '^/', description: 'Absolute path of the file on the host that holds the secret. A symlink there is refused; an existing file more open than `mode` (or with another owner) is fixed.' },
      value: { type: 'string', description: "Use this value instead of generating one (the user's own secret); the file is updated to hold it." },
      bytes: { type: 'integer', minimum: 8, maximum: 1024, default: 32, description: 'Random bytes (alnum: characters) to generate.' },
      encoding: { enum: ['base64', 'hex', 'alnum'], default: 'alnum', description: 'How the random bytes are written: base64 (e.g. a Clair PSK), hex, or letters and digits.' },
      mode: { type: 'string', pattern: '^0?[0-7]{3}$', default: '0600', description: 'File mode.' },
      owner: { type: 'string', description: 'File owner (name or uid).' },
      group: { type: 'string', description: 'File group (name or gid).' },
    },
  },
  secretParams: ['value'],
  secretData: ['value'],
  outputs: (p) => [p.path],
  async check(ctx) {
    const p = ctx.params;
    const info = await ctx.conn.stat(p.path);
    // A symlink or a device there would make someone else's file the secret.
    if (info && info.type !== 'file') throw new TaskError(`${p.path} is a ${info.type}, not a regular file: refusing to use it as the secret`);
    const current = info ? (await readText(ctx.conn, p.path))?.replace(/\n$/, '') : undefined;
    const fingerprint = { [`secret ${p.path}`]: secretFingerprint(info, current, p.value) };
    if (current && (p.value === undefined || current === p.value)) {
      const attributes = info ? await attributeDrift(ctx.conn, p, info) : [];
      if (attributes.length === 0) return { changed: false, data: { value: current }, fingerprint };
      return { changed: true, reasons: attributes, data: { value: current }, state: { keep: current }, fingerprint };
    }
    const reason = current ? 'differs from the given value' : 'missing';
    // In check mode nothing is generated; later tasks see a placeholder and report their own would-change.
    const placeholder = p.value ?? '(generated at run time)';
    return { changed: true, reasons: [`secret ${p.path} ${reason}`], data: { value: placeholder }, fingerprint };
  },
  async change(ctx, plan) {
    const p = ctx.params;
    const keep = plan.state?.keep;
    if (keep !== undefined) {
      const { uid, gid } = await resolveOwner(ctx.conn, p.owner, p.group);
      const owner = chownSpec(uid, gid);
      await setAttributes(ctx.conn, p.path, { mode: parseInt(p.mode, 8), owner });
      return { message: `mode and owner of ${p.path} fixed`, data: { value: keep } };
    }
    const value = p.value ?? generate(p.bytes, p.encoding);
    await ctx.conn.mkdir(dirname(p.path), { mode: 0o700 });
    await ctx.conn.writeFile(p.path, value + '\n', { mode: parseInt(p.mode, 8), owner: p.owner, group: p.group });
    return { message: `secret written to ${p.path}`, data: { value } };
  },
});

/**
 * A generated secret is random, so its digest gives nothing away; a given value may be a guessable
 * password, so for it only whether the file holds it.
 */
function secretFingerprint(info: FileInfo | null, current: string | undefined, given: string | undefined): string {
  const content = current === undefined ? 'no content' : given === undefined ? digest(current) : current === given ? 'holds the given value' : 'holds another value';
  return `${fileFingerprint(info)} ${content}`;
}

/** An existing secret file more open than asked, or owned by someone else, is fixed, not reported ok. */
async function attributeDrift(conn: Connection, p: SecretParams, info: FileInfo): Promise<string[]> {
  const reasons: string[] = [];
  const mode = parseInt(p.mode, 8);
  if (info.mode !== mode) reasons.push(`mode 0${info.mode.toString(8)}, want 0${mode.toString(8)}`);
  const { uid, gid } = await resolveOwner(conn, p.owner, p.group);
  if (uid !== -1 && info.uid !== uid) reasons.push(`owner ${info.uid}, want ${uid}`);
  if (gid !== -1 && info.gid !== gid) reasons.push(`group ${info.gid}, want ${gid}`);
  return reasons;
}
