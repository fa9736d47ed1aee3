import { posix } from 'node:path';
import { digest } from '../shared/fingerprint.ts';
import type { Connection } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { readText } from '../../engine/exec-helpers.ts';
import { defineTask, type FileDiff, type TaskContext } from '../../engine/task.ts';
import { bundleContains, normaliseCertificates, parseCaPem } from '../shared/pem.ts';
import { defaultTrustName } from './trust-name.ts';
import {
  bundleFile,
  detectTrustFamily,
  storeFile,
  underRoot,
  updateTrustStore,
  type TrustFamily,
} from './trust-store.ts';

export interface TrustCAParams {
  caFile?: string;
  caPem?: string;
  name?: string;
  registries: string[];
  docker: boolean;
  system: boolean;
  state: 'present' | 'absent';
  sysroot: string;
}

interface Target {
  path: string;
  /** The certs.d/<registry> directory, removed with `absent` when it is left empty. */
  registryDir?: string;
  before: string | null;
}

interface TrustPlan {
  pem: string | null;
  family: TrustFamily | null;
  storePath: string | null;
  stale: Target[];
  /** The store file is current but the bundle lacks the CA (an update was interrupted). */
  bundleStale: boolean;
}

const REGISTRY = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$';

function registryDirs(p: TrustCAParams): { dir: string; path: string }[] {
  const root = p.sysroot;
  const bases = ['/etc/containers/certs.d', ...(p.docker ? ['/etc/docker/certs.d'] : [])];
  return bases.flatMap((base) =>
    p.registries.map((reg) => {
      const dir = underRoot(root, `${base}/${reg}`);
      return { dir, path: `${dir}/ca.crt` };
    }),
  );
}

async function loadCa(ctx: TaskContext<TrustCAParams>): Promise<{ pem: string; name: string } | null> {
  const { caFile, caPem } = ctx.params;
  let text: string | null = null;
  let origin = 'caPem';
  if (caPem !== undefined) text = caPem;
  else if (caFile !== undefined) {
    origin = `caFile ${caFile}`;
    text = await readText(ctx.conn, caFile);
    if (text === null) throw new TaskError(`caFile ${caFile} does not exist on ${ctx.host}`);
  }
  if (text === null) return null;
  const { pem, first } = parseCaPem(text, origin);
  return { pem, name: ctx.params.name ?? defaultTrustName(first) };
}

async function plan(ctx: TaskContext<TrustCAParams>) {
  const p = ctx.params;
  const root = p.sysroot;
  const present = p.state === 'present';
  // The registries' files are read while the CA is: one round trip's wait instead of one each.
  const registryTargets = Promise.all(registryDirs(p).map(async ({ dir, path }): Promise<Target> => ({ path, registryDir: dir, before: await readText(ctx.conn, path) })));
  registryTargets.catch(() => {}); // awaited below, unless the CA fails first
  const ca = await loadCa(ctx);
  if (present && !ca) throw new TaskError('state present needs caFile or caPem');

  const targets: Target[] = await registryTargets;
  let family: TrustFamily | null = null;
  let storePath: string | null = null;
  if (p.system) {
    const name = p.name ?? ca?.name;
    if (!name) throw new TaskError('state absent with system: true needs name, caFile or caPem (to know the store file)');
    family = await detectTrustFamily(ctx.conn, root);
    storePath = underRoot(root, storeFile(family, name));
    targets.push({ path: storePath, before: await readText(ctx.conn, storePath) });
  }

  const reasons: string[] = [];
  const stale = targets.filter((t) => {
    if (!present) return t.before !== null;
    return t.before === null || normaliseCertificates(t.before) !== ca!.pem;
  });
  for (const t of stale) {
    reasons.push(present ? `${t.path} ${t.before === null ? 'missing' : 'differs'}` : `${t.path} present`);
  }
  let bundleStale = false;
  if (present && family && !stale.some((t) => t.path === storePath)) {
    const bundle = await readText(ctx.conn, underRoot(root, bundleFile(family)));
    bundleStale = bundle !== null && !bundleContains(bundle, ca!.pem);
    if (bundleStale) reasons.push(`${underRoot(root, bundleFile(family))} lacks the CA: store update due`);
  }
  if (present && p.caFile && ctx.checkMode && ctx.pendingChange(p.caFile)) {
    reasons.push(`${p.caFile} would change in an earlier task`);
  }
  const state: TrustPlan = { pem: ca?.pem ?? null, family, storePath, stale, bundleStale };
  return { reasons, state };
}

async function removeTarget(conn: Connection, t: Target): Promise<void> {
  await conn.remove(t.path);
  // rmdir refuses a non-empty directory, which is exactly the "only when empty" rule.
  if (t.registryDir) await conn.exec(['rmdir', '--', t.registryDir]);
}

export default defineTask<TrustCAParams, TrustPlan>({
  name: 'trustCA',
  summary: 'Trusts a CA certificate for podman/docker registries (certs.d) and the OS trust store',
  schema: {
    type: 'object',
    additionalProperties: false,
    not: { required: ['caFile', 'caPem'] },
    properties: {
      caFile: { type: 'string', pattern: '^/', description: 'Absolute path ON THE TARGET of the CA certificate (PEM), e.g. the genCA output. Give this or caPem.' },
      caPem: { type: 'string', description: 'The CA certificate as PEM text. Give this or caFile.' },
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description:
          'File stem in the OS trust store (NAME.pem in RHEL anchors, NAME.crt on Debian). Default: "tackle-" plus a slug of the CA subject CN. Needed for state absent when neither caFile nor caPem is given.',
      },
      registries: {
        type: 'array',
        items: { type: 'string', pattern: REGISTRY },
        default: [],
        description: 'Registries ("host" or "host:port") whose certs.d/<registry>/ca.crt gets the CA, for podman (/etc/containers) and docker (/etc/docker).',
      },
      docker: { type: 'boolean', default: true, description: 'Also write /etc/docker/certs.d/<registry>/ca.crt.' },
      system: { type: 'boolean', default: true, description: 'Add the CA to the OS trust store (RHEL family: update-ca-trust; Debian family: update-ca-certificates).' },
      state: { enum: ['present', 'absent'], default: 'present', description: 'present writes the files, absent removes them (and an emptied certs.d/<registry> directory).' },
      sysroot: { type: 'string', pattern: '^/', default: '/', description: 'Root of the system to configure; every path is prefixed with it.' },
    },
  },
  inputs: (p) => (p.caFile ? [p.caFile] : []),
  outputs(p) {
    const root = p.sysroot;
    const paths = registryDirs(p).map((r) => r.path);
    if (p.system && p.name) {
      for (const family of ['rhel', 'debian'] as const) {
        paths.push(underRoot(root, storeFile(family, p.name)), underRoot(root, bundleFile(family)));
      }
    }
    return paths;
  },

  async check(ctx) {
    const { reasons, state } = await plan(ctx);
    const diff: FileDiff[] = ctx.diffMode
      ? state.stale.map((t) => ({ path: t.path, before: t.before ?? '', after: state.pem && ctx.params.state !== 'absent' ? state.pem : '' }))
      : [];
    const fingerprint = { 'CA certificate': digest(state.pem), 'stale files': state.stale.map((t) => `${t.path} ${digest(t.before)}`).join(', ') };
    return { changed: reasons.length > 0, reasons, diff, state, data: { paths: state.stale.map((t) => t.path) }, fingerprint };
  },

  async change(ctx, checked) {
    const state = checked.state;
    const root = ctx.params.sysroot;
    const present = ctx.params.state === 'present';
    for (const t of state.stale) {
      if (present) {
        await ctx.conn.mkdir(posix.dirname(t.path), { mode: 0o755 });
        await ctx.conn.writeFile(t.path, state.pem!, { mode: 0o644 });
      } else {
        await removeTarget(ctx.conn, t);
      }
    }
    const storeChanged = state.stale.some((t) => t.path === state.storePath) || state.bundleStale;
    const done = [present ? `wrote ${state.stale.length} file(s)` : `removed ${state.stale.length} file(s)`];
    const skipped: string[] = [];
    if (state.family && storeChanged) {
      const bundlePath = underRoot(root, bundleFile(state.family));
      const bundleBefore = await readText(ctx.conn, bundlePath);
      const update = await updateTrustStore(ctx.conn, state.family, root, !present);
      if (update.skipped) skipped.push(update.skipped);
      if (update.ran) {
        done.push(`ran ${update.ran[0]}`);
        if (!present && state.family === 'debian') await dropFromUntouchedBundle(ctx, bundlePath, bundleBefore, state);
      }
    }
    return { message: done.join('; '), skipped: skipped.length ? skipped : undefined, data: { paths: state.stale.map((t) => t.path) } };
  },
});

/**
 * update-ca-certificates leaves the old bundle in place when no certificate at all is left,
 * so the removed CA would stay trusted; take it out of that untouched bundle.
 */
async function dropFromUntouchedBundle(
  ctx: TaskContext<TrustCAParams>,
  path: string,
  before: string | null,
  state: TrustPlan,
): Promise<void> {
  const removedPem = state.pem ?? normaliseCertificates(state.stale.find((t) => t.path === state.storePath)?.before ?? '');
  const bundle = await readText(ctx.conn, path);
  if (!removedPem || bundle === null || bundle !== before || !bundleContains(bundle, removedPem)) return;
  const removed = new Set(removedPem.split(/(?<=-----END CERTIFICATE-----\n)/));
  const kept = normaliseCertificates(bundle)
    .split(/(?<=-----END CERTIFICATE-----\n)/)
    .filter((block) => block && !removed.has(block));
  await ctx.conn.writeFile(path, kept.join(''), { mode: 0o644 });
}
