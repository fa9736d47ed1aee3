import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { readText } from '../../engine/exec-helpers.ts';
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
export default defineTask<SecretParams>({
  name: 'secret',
  summary: 'Generates a random secret once and keeps it in a 0600 file on the host; re-runs read it back (register: .value, always masked).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'File on the host that holds the secret.' },
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
    const current = (await readText(ctx.conn, ctx.params.path))?.replace(/\n$/, '');
    if (current && (ctx.params.value === undefined || current === ctx.params.value)) {
      return { changed: false, data: { value: current } };
    }
    const reason = current ? 'differs from the given value' : 'missing';
    // In check mode nothing is generated; later tasks see a placeholder and report their own would-change.
    const placeholder = ctx.params.value ?? '(generated at run time)';
    return { changed: true, reasons: [`secret ${ctx.params.path} ${reason}`], data: { value: placeholder } };
  },
  async change(ctx) {
    const value = ctx.params.value ?? generate(ctx.params.bytes, ctx.params.encoding);
    await ctx.conn.mkdir(dirname(ctx.params.path), { mode: 0o700 });
    await ctx.conn.writeFile(ctx.params.path, value + '\n', {
      mode: parseInt(ctx.params.mode, 8),
      owner: ctx.params.owner,
      group: ctx.params.group,
    });
    return { message: `secret written to ${ctx.params.path}`, data: { value } };
  },
});
