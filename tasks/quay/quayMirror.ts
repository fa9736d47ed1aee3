import { TaskError } from '../../engine/errors.ts';
import { defineTask, type Fingerprint } from '../../engine/task.ts';
import { QuayClient, quayEndpointProperties, seg, type QuayEndpoint } from './client.ts';
import { createBody, diffMirror, MANAGED_MIRROR_FIELDS, type MirrorBody, type MirrorSettings } from './mirror-config.ts';
import { valueDigest } from '../shared/fingerprint.ts';
import { explainTagRule } from './tag-pattern.ts';
import { isPlainObject } from '../../engine/values.ts';

interface QuayMirrorParams extends QuayEndpoint {
  token: string;
  namespace: string;
  namespaceEmail?: string;
  repository: string;
  description: string;
  externalReference: string;
  tags: string[];
  syncInterval: number;
  syncStartDate?: string;
  robot: string;
  username?: string;
  password?: string;
  updatePassword: boolean;
  verifyTls: boolean;
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
  enabled: boolean;
  syncNow: boolean;
}

interface MirrorPlan {
  createOrg: boolean;
  createRobot: boolean;
  createRepo: boolean;
  setMirrorState: boolean;
  mirror: { method: 'POST' | 'PUT'; body: MirrorBody } | null;
  syncNow: boolean;
}

const EXPLICIT_TAG = '^[^*?\\[]+$';

export default defineTask<QuayMirrorParams, MirrorPlan>({
  name: 'quayMirror',
  summary: 'Ensures a Quay repository mirrors an external repository: organization, robot, repository in MIRROR state and mirror settings.',
  runsOn: () => 'controller',
  secretParams: ['token', 'password'],
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'token', 'namespace', 'repository', 'externalReference', 'tags'],
    description:
      'Needs FEATURE_REPO_MIRROR: true and a running mirroring worker. Each run reads the organization, robot, repository and mirror config, ' +
      'and writes only what differs: a drifted setting is corrected with one PUT carrying just that field.',
    properties: {
      ...quayEndpointProperties,
      token: { type: 'string', minLength: 1, description: 'OAuth access token with org:admin, repo:admin and repo:create scopes, e.g. quayUser\'s registered token. Secret.' },
      namespace: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{1,254}$', description: 'Organization that holds the mirrored repository; created when missing.' },
      namespaceEmail: { type: 'string', minLength: 3, description: 'E-mail for a new organization (needed only when Quay has FEATURE_MAILING on).' },
      repository: {
        type: 'string',
        pattern: '^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$',
        description:
          'Repository name, usually the same as the external one (e.g. quay-rhel8; a nested name like quay/quay-rhel8 needs FEATURE_EXTENDED_REPOSITORY_NAMES). Created private when missing, then set to the MIRROR state.',
      },
      description: { type: 'string', default: '', description: 'Description given to a repository this task creates (an existing one is left alone).' },
      externalReference: { type: 'string', minLength: 1, pattern: '^\\S+$', description: 'The external repository to mirror, without tag, e.g. registry.redhat.io/quay/quay-rhel8.' },
      tags: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1, pattern: '^\\S+$' },
        contains: { type: 'string', pattern: EXPLICIT_TAG },
        description:
          'Tags and tag patterns to mirror: * (any characters), ? (one character), [seq], [!seq], matched against the whole tag. ' +
          'At least one entry must be an explicit tag without pattern characters (such as latest): Quay needs it to read the remote tag list. ' +
          'latest is mirrored only when listed. Try a list with `tackle tags PATTERN... -- TAG...`.',
      },
      syncInterval: { type: 'integer', minimum: 0, default: 86400, description: 'Seconds between synchronizations (default 86400, 24 hours).' },
      syncStartDate: {
        type: 'string',
        pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$',
        description:
          'First synchronization, UTC, as 2024-01-01T00:00:00Z (default: now). Used only when the mirror config is created: Quay moves it forward after every sync, so it is never compared.',
      },
      robot: {
        type: 'string',
        pattern: '^[a-z][a-z0-9_]{1,254}$',
        default: 'mirror',
        description: 'Short name of the robot account that pushes mirrored images (NAMESPACE+ROBOT); created when missing. Quay grants it write on the repository.',
      },
      username: { type: 'string', minLength: 1, description: 'User name for the external registry; omit for anonymous pulls.' },
      password: {
        type: 'string',
        minLength: 1,
        description:
          'Password for the external registry (no backslashes). Secret. Quay never returns it, so tackle cannot see drift: it is sent when the mirror is created or the username changes, and on every run with updatePassword.',
      },
      updatePassword: { type: 'boolean', default: false, description: 'Send username and password on every run (the task then always reports changed). Use once after rotating the password.' },
      verifyTls: { type: 'boolean', default: true, description: 'Require HTTPS and a valid certificate when Quay talks to the external registry.' },
      httpProxy: { type: 'string', minLength: 1, description: 'HTTP_PROXY for the mirroring worker when it pulls from the external registry.' },
      httpsProxy: { type: 'string', minLength: 1, description: 'HTTPS_PROXY for the mirroring worker.' },
      noProxy: { type: 'string', minLength: 1, description: 'NO_PROXY list for the mirroring worker.' },
      enabled: { type: 'boolean', default: true, description: 'Whether scheduled synchronizations run.' },
      syncNow: { type: 'boolean', default: false, description: 'Ask Quay to synchronize now (the "Sync Now" button). Every run with syncNow: true counts as changed, since the request itself is the change.' },
    },
  },

  async check(ctx) {
    const p = ctx.params;
    const tagProblem = explainTagRule(p.tags);
    if (tagProblem) throw new TaskError(`tags: ${tagProblem}`);
    const client = await QuayClient.create(p, p.token);
    const ns = seg(p.namespace);
    const repoPath = repositoryPath(p);
    const reasons: string[] = [];
    const plan: MirrorPlan = { createOrg: false, createRobot: false, createRepo: false, setMirrorState: false, mirror: null, syncNow: p.syncNow };

    plan.createOrg = !(await exists(client, `/api/v1/organization/${ns}`));
    plan.createRobot = plan.createOrg || !(await exists(client, `/api/v1/organization/${ns}/robots/${seg(robotShort(p))}`));
    const repo = plan.createOrg ? null : await getIfExists(client, repoPath);
    plan.createRepo = repo === null;
    plan.setMirrorState = plan.createRepo || (isPlainObject(repo) && repo.state !== 'MIRROR');
    const current = plan.createRepo ? null : await getIfExists(client, `${repoPath}/mirror`);

    const settings = mirrorSettings(p);
    if (current === null) {
      plan.mirror = { method: 'POST', body: createBody(settings) };
    } else {
      const diff = diffMirror(isPlainObject(current) ? current : {}, settings);
      if (Object.keys(diff.body).length) plan.mirror = { method: 'PUT', body: diff.body };
      reasons.push(...diff.reasons);
    }
    if (plan.createOrg) reasons.unshift(`organization ${p.namespace} missing`);
    if (plan.createRobot && !plan.createOrg) reasons.unshift(`robot ${settings.robotUsername} missing`);
    if (plan.createRepo) reasons.push(`repository ${p.namespace}/${p.repository} missing`);
    else if (plan.setMirrorState && isPlainObject(repo)) reasons.push(`repository state ${String(repo.state)} -> MIRROR`);
    if (current === null) reasons.push('mirror config missing');
    if (plan.syncNow) reasons.push('syncNow requested');
    return { changed: reasons.length > 0, reasons, state: plan, fingerprint: mirrorFingerprint(p, plan, repo, current) };
  },

  async change(ctx, result) {
    const p = ctx.params;
    const plan = result.state;
    const client = await QuayClient.create(p, p.token);
    const ns = seg(p.namespace);
    const repoPath = repositoryPath(p);
    const done: string[] = [];
    if (plan.createOrg) {
      const body = { name: p.namespace, ...(p.namespaceEmail ? { email: p.namespaceEmail } : {}) };
      await client.expect({ method: 'POST', path: '/api/v1/organization/', body }, [200, 201]);
      done.push('organization created');
    }
    if (plan.createRobot) {
      const body = { description: 'Pushes images mirrored by tackle' };
      await client.expect({ method: 'PUT', path: `/api/v1/organization/${ns}/robots/${seg(robotShort(p))}`, body }, [200, 201]);
      done.push('robot created');
    }
    if (plan.createRepo) {
      const body = { repository: p.repository, namespace: p.namespace, visibility: 'private', description: p.description, repo_kind: 'image' };
      await client.expect({ method: 'POST', path: '/api/v1/repository', body }, [200, 201]);
      done.push('repository created');
    }
    if (plan.setMirrorState) {
      await client.expect({ method: 'PUT', path: `${repoPath}/changestate`, body: { state: 'MIRROR' } }, [200, 201]);
      done.push('state MIRROR');
    }
    if (plan.mirror) {
      await client.expect({ method: plan.mirror.method, path: `${repoPath}/mirror`, body: plan.mirror.body }, [200, 201, 204]);
      done.push(plan.mirror.method === 'POST' ? 'mirror configured' : `mirror updated (${Object.keys(plan.mirror.body).join(', ')})`);
    }
    if (plan.syncNow) {
      await client.expect({ method: 'POST', path: `${repoPath}/mirror/sync-now` }, [200, 201, 204]);
      done.push('sync requested');
    }
    return { message: done.join('; ') };
  },
});

/**
 * What the check read of Quay: whether the organization and robot exist, the repository's state
 * and the mirror settings this task manages. Not what Quay's worker moves on its own (sync status,
 * start date, retries, expiration), so a sync between plan and apply is no drift.
 */
function mirrorFingerprint(p: QuayMirrorParams, plan: MirrorPlan, repo: unknown, current: unknown): Fingerprint {
  const managed = isPlainObject(current) ? Object.fromEntries(MANAGED_MIRROR_FIELDS.map((k) => [k, current[k] ?? null])) : null;
  return {
    [`organization ${p.namespace}`]: plan.createOrg ? 'absent' : 'present',
    [`robot ${p.namespace}+${robotShort(p)}`]: plan.createRobot ? 'absent' : 'present',
    [`repository ${p.namespace}/${p.repository}`]: isPlainObject(repo) ? `state ${String(repo.state)}` : 'absent',
    [`mirror of ${p.namespace}/${p.repository}`]: managed ? valueDigest(managed) : 'absent',
  };
}

/** Extended repository names keep their slashes in the API path. */
function repositoryPath(p: QuayMirrorParams): string {
  return `/api/v1/repository/${seg(p.namespace)}/${p.repository.split('/').map(seg).join('/')}`;
}

function robotShort(p: QuayMirrorParams): string {
  return p.robot;
}

function mirrorSettings(p: QuayMirrorParams): MirrorSettings {
  return {
    enabled: p.enabled,
    externalReference: p.externalReference,
    username: p.username,
    password: p.password,
    updatePassword: p.updatePassword,
    syncInterval: p.syncInterval,
    syncStartDate: p.syncStartDate ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    robotUsername: `${p.namespace}+${robotShort(p)}`,
    tags: p.tags,
    verifyTls: p.verifyTls,
    httpProxy: p.httpProxy,
    httpsProxy: p.httpsProxy,
    noProxy: p.noProxy,
  };
}

async function exists(client: QuayClient, path: string): Promise<boolean> {
  return (await getIfExists(client, path)) !== null;
}

/** GET body, or null on 404; any other non-200 answer is an error. */
async function getIfExists(client: QuayClient, path: string): Promise<unknown> {
  const res = await client.expect({ method: 'GET', path }, [200, 404]);
  return res.status === 404 ? null : (res.body ?? {});
}
