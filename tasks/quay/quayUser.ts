import { TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult, type TaskContext } from '../../engine/task.ts';
import { QuayClient, quayEndpointProperties, seg, type QuayEndpoint } from './client.ts';
import { isPlainObject } from '../../engine/values.ts';
import { digest } from '../shared/fingerprint.ts';

interface QuayUserParams extends QuayEndpoint {
  username: string;
  password: string;
  email?: string;
  tokenFile?: string;
}

/** How the probe decided: the anonymous lookup or the registry login. */
type Probe = { exists: true; by: string } | { exists: false; by: string; reason: string };

const NON_EMPTY = /non-empty database/i;

export default defineTask<QuayUserParams>({
  name: 'quayUser',
  summary: "Creates Quay's first user through POST /api/v1/user/initialize and registers its API token.",
  secretParams: ['password'],
  secretData: ['token'],
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'username', 'password'],
    description:
      'Needs FEATURE_USER_INITIALIZE: true and AUTHENTICATION_TYPE: Database in config.yaml; Quay creates the user only while its database has no users. ' +
      'Probe (read-only, also in --check): a token already in tokenFile that Quay accepts for this user means done; otherwise GET /api/v1/users/USERNAME (200 = done, 404 = would create); ' +
      'when anonymous API access is off, the registry login (/v2/auth) with username and password decides. ' +
      'Registers `username` and, when available, `token` (the OAuth token, secret): on creation, or read back from tokenFile. ' +
      'An existing user is never modified (its password is not changed).',
    properties: {
      ...quayEndpointProperties,
      username: { type: 'string', pattern: '^[a-z0-9_][a-z0-9_.-]{1,254}$', description: 'Name of the first user, e.g. quayadmin (list it in SUPER_USERS to make it a superuser).' },
      password: { type: 'string', minLength: 8, description: 'Its password (Quay requires at least 8 characters). Secret.' },
      email: { type: 'string', minLength: 3, description: 'Its e-mail address (needed when FEATURE_MAILING is on).' },
      tokenFile: {
        type: 'string',
        pattern: '^/',
        description:
          'Absolute path ON THE TARGET HOST where the access token is written (mode 0600) when the user is created, and read back on later runs so `token` stays available. ' +
          'Quay hands this token out only once: if the user exists and this file is missing, the task fails rather than pretend.',
      },
    },
  },

  // The API is called from the controller; only the token file lives on the host.
  runsOn: (p) => (p.tokenFile ? 'host' : 'controller'),
  outputs: (p) => (p.tokenFile ? [p.tokenFile] : []),

  async check(ctx) {
    const p = ctx.params;
    const client = await QuayClient.create(p);
    const saved = p.tokenFile ? await readToken(ctx) : null;
    // What was read: the token file (its digest; the token itself is secret) and how the user was found.
    const tokenRead = p.tokenFile ? { [`token in ${p.tokenFile}`]: digest(saved) } : {};
    if (saved !== null) {
      await assertTokenBelongsTo(client, saved, p.username, p.tokenFile!);
      return { changed: false, data: { username: p.username, token: saved }, fingerprint: { ...tokenRead, [`user ${p.username}`]: 'owns the token' } };
    }
    const probe = await probeUser(client, p);
    const fingerprint = { ...tokenRead, [`user ${p.username}`]: `${probe.exists ? 'exists' : 'absent'} (${probe.by})` };
    if (!probe.exists) return { changed: true, reasons: [probe.reason], fingerprint };
    if (p.tokenFile) {
      throw new TaskError(
        `user ${p.username} already exists at ${client.baseUrl} but tokenFile ${p.tokenFile} is missing on ${ctx.host}: ` +
          'Quay returns the initialize token only once. Create an OAuth token in the UI and write it to that file.',
      );
    }
    return { changed: false, reasons: [`user ${p.username} exists`], data: { username: p.username }, fingerprint };
  },

  async change(ctx, plan: CheckResult) {
    const p = ctx.params;
    const client = await QuayClient.create(p);
    const req = {
      method: 'POST' as const,
      path: '/api/v1/user/initialize',
      body: { username: p.username, password: p.password, ...(p.email ? { email: p.email } : {}), access_token: true },
      authorization: null,
    };
    const res = await client.request(req);
    if (res.status === 404) {
      throw new TaskError(`Quay at ${client.baseUrl} has no /api/v1/user/initialize: set FEATURE_USER_INITIALIZE: true in config.yaml`);
    }
    if (res.status === 400 && NON_EMPTY.test(res.text)) {
      throw new TaskError(
        `Quay at ${client.baseUrl} already has users, and ${plan.reasons?.[0] ?? `user ${p.username} was not found`}: ` +
          'initialize only works on an empty database; create the user in the UI or through the superuser API',
      );
    }
    if (res.status !== 200) throw client.apiError(req, res);
    const token = isPlainObject(res.body) && typeof res.body.access_token === 'string' ? res.body.access_token : undefined;
    if (!token) throw new TaskError(`Quay created user ${p.username} but returned no access_token`);
    if (p.tokenFile) await ctx.conn.writeFile(p.tokenFile, `${token}\n`, { mode: 0o600 });
    return { message: `user ${p.username} created`, data: { username: p.username, token } };
  },
});

async function readToken(ctx: TaskContext<QuayUserParams>): Promise<string | null> {
  const content = await ctx.conn.readFile(ctx.params.tokenFile!);
  const token = content?.toString('utf8').trim();
  return token ? token : null;
}

async function assertTokenBelongsTo(client: QuayClient, token: string, username: string, file: string): Promise<void> {
  const req = { method: 'GET' as const, path: '/api/v1/user/', authorization: `Bearer ${token}` };
  const res = await client.request(req);
  if (res.status === 401) throw new TaskError(`the token in ${file} is rejected by Quay (${client.baseUrl}, 401): replace or remove the file`);
  if (res.status !== 200) throw client.apiError(req, res);
  const owner = isPlainObject(res.body) ? res.body.username : undefined;
  if (owner !== username) throw new TaskError(`the token in ${file} belongs to ${String(owner)}, not ${username}`);
}

/** Read-only: does the user exist? Anonymous lookup first, then the registry login. */
async function probeUser(client: QuayClient, p: QuayUserParams): Promise<Probe> {
  const lookup = { method: 'GET' as const, path: `/api/v1/users/${seg(p.username)}`, authorization: null };
  const res = await client.request(lookup);
  if (res.status === 200) return { exists: true, by: 'lookup' };
  if (res.status === 404) return { exists: false, by: 'lookup', reason: `user ${p.username} not found: initialize` };
  if (res.status !== 401 && res.status !== 403) throw client.apiError(lookup, res);

  const basic = Buffer.from(`${p.username}:${p.password}`).toString('base64');
  const login = { method: 'GET' as const, path: `/v2/auth?service=${seg(new URL(client.baseUrl).host)}`, authorization: `Basic ${basic}` };
  const auth = await client.request(login);
  if (auth.status === 200) return { exists: true, by: 'login' };
  if (auth.status === 401 || auth.status === 403) {
    return { exists: false, by: 'login', reason: `anonymous lookup refused and ${p.username} cannot log in: initialize` };
  }
  throw client.apiError(login, auth);
}
