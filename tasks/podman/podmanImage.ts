import { TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult, type PlannedChange, type TaskContext } from '../../engine/task.ts';
import { inspectImage, pendingImageKey, podman, podmanOf, podmanPathSchema, PULL_TIMEOUT_MS, type ImageInfo, type Podman } from './cli.ts';
import { archiveImageId } from './archive.ts';
import { pullImage } from './pull.ts';
import { registryAuthSchema, type RegistryAuth } from './registry-auth.ts';
import { imageRefSchema } from '../shared/image-ref.ts';

export interface PodmanImageParams {
  name: string;
  state: 'present' | 'absent';
  pull: 'missing' | 'always';
  archive?: string;
  import?: { tarball: string; changes?: string[] };
  registryAuth?: RegistryAuth;
  podmanPath: string;
}

type Source = 'pull' | 'archive' | 'import';

function sourceOf(p: PodmanImageParams): Source {
  if (p.archive !== undefined && p.import !== undefined) throw new TaskError('podmanImage: give archive or import, not both');
  return p.archive !== undefined ? 'archive' : p.import !== undefined ? 'import' : 'pull';
}

async function requireFile(ctx: TaskContext<PodmanImageParams>, path: string, what: string): Promise<void> {
  const st = await ctx.conn.stat(path);
  if (st?.type === 'file' || st?.type === 'link') return;
  throw new TaskError(`${what} ${path} ${st ? 'is not a file' : 'does not exist'} on ${ctx.host}`);
}

/** A present image is current when the archive holds the same image ID under its name. */
/** 'done' when check() already pulled (pull: always found a newer image). */
type Pulled = 'done' | undefined;

const pendingArchiveKey = (archive: string): string => `podman-archive:${archive}`;

async function checkArchive(ctx: TaskContext<PodmanImageParams>, presentId: string): Promise<CheckResult<Pulled>> {
  const archive = ctx.params.archive!;
  await requireFile(ctx, archive, 'archive');
  const archived = await archiveImageId(ctx.conn, archive, ctx.params.name);
  if (archived === null) throw new TaskError(`archive ${archive} holds no image named ${ctx.params.name}`);
  if (archived === presentId) return { changed: false, data: { imageId: presentId } };
  if (ctx.checkMode && ctx.pendingChange(pendingArchiveKey(archive))) return { changed: false, reasons: [`loaded with ${archive} by an earlier task`] };
  return { changed: true, reasons: [`the archive holds image ${archived.slice(0, 12)}, the host has ${presentId.slice(0, 12)}: would load the archive`] };
}

async function check(ctx: TaskContext<PodmanImageParams>): Promise<CheckResult<Pulled>> {
  const pm = podmanOf(ctx.conn, ctx.params.podmanPath);
  const before = await inspectImage(pm, ctx.params.name);
  const result = await probe(ctx, pm, before);
  return { ...result, fingerprint: { [`image ${ctx.params.name}`]: before?.Id ?? 'absent' } };
}

async function probe(ctx: TaskContext<PodmanImageParams>, pm: Podman, before: ImageInfo | null): Promise<CheckResult<Pulled>> {
  const p = ctx.params;
  const source = sourceOf(p);

  if (p.state === 'absent') {
    return before ? { changed: true, reasons: ['image present'] } : { changed: false };
  }
  if (before && source === 'archive') return checkArchive(ctx, before.Id);
  if (before && !(source === 'pull' && p.pull === 'always')) return { changed: false, data: { imageId: before.Id } };
  if (before) {
    if (ctx.checkMode) return { changed: false, reasons: ['pull: always is not tried in --check'], data: { imageId: before.Id } };
    // Only a pull can tell whether the registry has a newer image.
    const after = await pullImage(pm, p.name, p.registryAuth);
    const changed = after.Id !== before.Id;
    return { changed, reasons: changed ? ['pulled a newer image'] : [], data: { imageId: after.Id }, state: 'done' };
  }
  if (source === 'archive') {
    await requireFile(ctx, p.archive!, 'archive');
    // One archive may hold several images: in --check, an earlier task that would load it loads this one too.
    if (ctx.checkMode && ctx.pendingChange(pendingArchiveKey(p.archive!)) && (await archiveImageId(ctx.conn, p.archive!, p.name)) !== null) {
      return { changed: false, reasons: [`loaded with ${p.archive} by an earlier task`] };
    }
  }
  if (source === 'import') await requireFile(ctx, p.import!.tarball, 'import tarball');
  return { changed: true, reasons: [`image missing: would ${source === 'pull' ? 'pull' : source === 'archive' ? 'load the archive' : 'import the tarball'}`] };
}

async function load(pm: Podman, p: PodmanImageParams): Promise<void> {
  await podman(pm, ['load', '-i', p.archive!], { timeoutMs: PULL_TIMEOUT_MS });
  if (await inspectImage(pm, p.name)) return;
  throw new TaskError(`archive ${p.archive} was loaded but holds no image named ${p.name}`);
}

async function change(ctx: TaskContext<PodmanImageParams>, plan: PlannedChange<Pulled>) {
  const p = ctx.params;
  const pm = podmanOf(ctx.conn, p.podmanPath);
  if (plan.state === 'done') return { message: 'pulled' };
  if (p.state === 'absent') {
    await podman(pm, ['rmi', p.name]);
    return { message: 'removed' };
  }
  const source = sourceOf(p);
  if (source === 'archive') await load(pm, p);
  else if (source === 'import') {
    const changes = (p.import!.changes ?? []).flatMap((c) => ['--change', c]);
    await podman(pm, ['import', ...changes, p.import!.tarball, p.name], { timeoutMs: PULL_TIMEOUT_MS });
  } else await pullImage(pm, p.name, p.registryAuth);
  const info = await inspectImage(pm, p.name);
  return { message: source === 'pull' ? 'pulled' : source === 'archive' ? 'loaded' : 'imported', data: { imageId: info?.Id } };
}

export default defineTask<PodmanImageParams, Pulled>({
  name: 'podmanImage',
  summary: 'A podman image present (pulled, loaded from a `podman save` archive, or imported from a tarball) or absent.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: imageRefSchema('Image reference, e.g. registry.example.com/quay/quay-rhel8:v3.7.0 (starts with a letter or digit).'),
      state: { enum: ['present', 'absent'], default: 'present', description: 'present, or absent (podman rmi; fails while a container uses it).' },
      pull: {
        enum: ['missing', 'always'],
        default: 'missing',
        description: 'missing: pull only when the image is not present. always: pull on every run (not in --check); changed when the ID moved.',
      },
      archive: {
        type: 'string',
        pattern: '^/',
        description:
          'Absolute path ON THE TARGET to a `podman save` archive (docker-archive, also multi-image, or oci-archive), loaded when the image is missing or the archive holds another image ID under this name (offline and air-gapped hosts).',
      },
      import: {
        type: 'object',
        additionalProperties: false,
        required: ['tarball'],
        description: 'Create the image, when missing, from a root file system tarball on the target (podman import).',
        properties: {
          tarball: { type: 'string', pattern: '^/', description: 'Absolute path ON THE TARGET to the tarball.' },
          changes: {
            type: 'array',
            items: { type: 'string' },
            description: 'Dockerfile instructions applied on import, e.g. \'ENTRYPOINT ["/bin/sh"]\', "ENV A=b".',
          },
        },
      },
      registryAuth: registryAuthSchema,
      podmanPath: podmanPathSchema,
    },
  },
  secretParams: ['registryAuth'],
  outputs: (p) => (p.state === 'absent' ? [] : [pendingImageKey(p.name), ...(p.archive ? [pendingArchiveKey(p.archive)] : [])]),
  inputs: (p) => [...(p.archive ? [p.archive] : []), ...(p.import ? [p.import.tarball] : [])],
  check,
  change,
});
