/**
 * Debian root file systems made with debootstrap and turned into podman images, each labelled
 * with the hash of its recipe so it is built once and rebuilt only when the recipe changes.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { debianMirror } from './apt-mirror.ts';
import { CACHE_DIR, RECIPE_LABEL } from '../paths.ts';
import { must, podman, run } from '../sh.ts';

export const SUITE = 'bookworm';

export interface RootfsRecipe {
  /** Image reference, e.g. localhost/tackle-lab/host:bookworm. */
  ref: string;
  packages: readonly string[];
  /** Files written into the root file system after debootstrap, by absolute path. */
  files: Record<string, { content: string; mode?: number }>;
  /** Shell run in the new root (chroot) after the files are written. */
  script: string;
  /** Dockerfile instructions for podman import (CMD, USER, ...). */
  changes: readonly string[];
}

/**
 * Removes a build tree. debootstrap mounts /proc (and more) inside the new root; a plain
 * recursive remove would follow /proc/N/cwd out into the real file system, so whatever is
 * still mounted there is unmounted first and rm never crosses a file system boundary.
 */
async function removeTree(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await must('umount', ['--lazy', m]);
  await must('rm', ['-rf', '--one-file-system', dir]);
}

export function recipeHash(recipe: object): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** The recipe hash the image carries, or undefined when it is missing. */
export async function builtHash(ref: string): Promise<string | undefined> {
  const r = await run('podman', ['image', 'inspect', '--format', `{{index .Labels "${RECIPE_LABEL}"}}`, ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * debootstrap's result for these packages into root, from a cached tarball when one exists, so
 * a changed script or file does not download and unpack every package again.
 */
async function bootstrapped(packages: readonly string[], root: string): Promise<void> {
  const cached = join(CACHE_DIR, `debootstrap-${SUITE}-${recipeHash(packages)}.tar`);
  if (!existsSync(cached)) {
    const include = packages.length ? [`--include=${packages.join(',')}`] : [];
    await must('debootstrap', ['--variant=minbase', ...include, SUITE, root, debianMirror(SUITE)], { echo: !!process.env.TACKLE_LAB_VERBOSE });
    await must('tar', ['-C', root, '--numeric-owner', '--one-file-system', '-cf', `${cached}.partial`, '.']);
    renameSync(`${cached}.partial`, cached);
    return;
  }
  mkdirSync(root);
  await must('tar', ['-C', root, '--numeric-owner', '-xf', cached]);
}

/** Builds recipe.ref unless an image built from the same recipe exists; returns its hash. */
export async function ensureRootfsImage(recipe: RootfsRecipe): Promise<string> {
  const hash = recipeHash({ ...recipe, suite: SUITE });
  if ((await builtHash(recipe.ref)) === hash) return hash;
  console.log(`== building ${recipe.ref} (debootstrap ${SUITE}: ${recipe.packages.join(' ')})`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = mkdtempSync(join(CACHE_DIR, 'rootfs-'));
  const root = join(work, 'root');
  try {
    await bootstrapped(recipe.packages, root);
    for (const [path, file] of Object.entries(recipe.files)) {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
      chmodSync(target, file.mode ?? 0o644);
    }
    await must('chroot', [root, '/bin/sh', '-euc', recipe.script]);
    // Caches and logs of the build only make the image bigger.
    rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    const tarball = join(work, 'rootfs.tar');
    await must('tar', ['-C', root, '--numeric-owner', '--one-file-system', '-cf', tarball, '.']);
    const changes = [...recipe.changes, `LABEL ${RECIPE_LABEL}=${hash}`].flatMap((c) => ['--change', c]);
    await podman('import', ...changes, tarball, recipe.ref);
    return hash;
  } finally {
    await removeTree(work);
  }
}
