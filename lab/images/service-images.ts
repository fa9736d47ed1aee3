/**
 * The service images the flagship runs on the lab hosts, each a thin layer over the shared
 * service base, and the one `podman save` archive that carries them all to the hosts (layers
 * shared, so a host loads the base once).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVE_DIR, CACHE_DIR, HOST_ARCHIVE_DIR, LAB_DIR, RECIPE_LABEL } from '../paths.ts';
import { podman } from '../sh.ts';
import { builtHash, recipeHash } from './rootfs.ts';
import { ensureServiceBase, SERVICE_BASE_IMAGE } from './service-base.ts';
import { buildStandins } from './standins.ts';

export const POSTGRES_IMAGE = 'localhost/tackle-lab/postgresql:15';
export const REDIS_IMAGE = 'localhost/tackle-lab/redis:7';
export const QUAY_TAGS = ['localhost/tackle-lab/quay:v3.7.0', 'localhost/tackle-lab/quay:v3.7.1'];
export const CLAIR_TAGS = ['localhost/tackle-lab/clair:v3.7.0', 'localhost/tackle-lab/clair:v3.7.1'];
export const SERVICES_ARCHIVE = 'services.tar';

interface ServiceImage {
  refs: readonly string[];
  /** Files copied into the build context and the image, by image path. */
  files: Record<string, string>;
  containerfile: string;
}

const FILES = join(LAB_DIR, 'images', 'files');
const tagOf = (ref: string): string => ref.slice(ref.lastIndexOf(':') + 1);

function serviceImages(standins: { quay: string; clair: string }): ServiceImage[] {
  return [
    {
      refs: [POSTGRES_IMAGE],
      files: { '/usr/local/bin/run-postgresql': join(FILES, 'postgresql-entrypoint.sh') },
      containerfile: 'USER 26\nEXPOSE 5432\nVOLUME /var/lib/pgsql/data\nENTRYPOINT ["/usr/local/bin/run-postgresql"]\n',
    },
    {
      refs: [REDIS_IMAGE],
      files: { '/usr/local/bin/run-redis': join(FILES, 'redis-entrypoint.sh') },
      containerfile: 'USER 1001\nEXPOSE 6379\nENTRYPOINT ["/usr/local/bin/run-redis"]\n',
    },
    // One image per tag, each with its version label, so an upgrade really moves to another image ID.
    ...QUAY_TAGS.map((ref) => ({
      refs: [ref],
      files: { '/usr/local/lib/tackle-standin/quay.js': standins.quay },
      containerfile: `USER 1001\nEXPOSE 8080 8443\nLABEL version=${tagOf(ref)}\nENTRYPOINT ["/usr/bin/node", "/usr/local/lib/tackle-standin/quay.js"]\nCMD ["registry"]\n`,
    })),
    ...CLAIR_TAGS.map((ref) => ({
      refs: [ref],
      files: { '/usr/local/lib/tackle-standin/clair.js': standins.clair },
      containerfile: `USER 65534\nEXPOSE 8081 8089\nLABEL version=${tagOf(ref)}\nENTRYPOINT ["/usr/bin/node", "/usr/local/lib/tackle-standin/clair.js"]\n`,
    })),
  ];
}

/** Builds image.refs from the base (podman build, no RUN step) unless built from the same recipe. */
async function ensureServiceImage(image: ServiceImage, baseHash: string): Promise<void> {
  const contents = Object.fromEntries(Object.entries(image.files).map(([to, from]) => [to, readFileSync(from, 'utf8')]));
  const hash = recipeHash({ baseHash, contents, containerfile: image.containerfile });
  const current = await Promise.all(image.refs.map(builtHash));
  if (current.every((h) => h === hash)) return;
  console.log(`== building ${image.refs.join(', ')}`);
  const context = mkdtempSync(join(CACHE_DIR, 'context-'));
  try {
    const copies = Object.keys(image.files).map((to, i) => {
      copyFileSync(image.files[to]!, join(context, `f${i}`));
      chmodSync(join(context, `f${i}`), 0o755);
      return `COPY f${i} ${to}\n`;
    });
    writeFileSync(join(context, 'Containerfile'), `FROM ${SERVICE_BASE_IMAGE}\n${copies.join('')}${image.containerfile}LABEL ${RECIPE_LABEL}=${hash}\n`);
    await podman('build', '--quiet', ...image.refs.flatMap((r) => ['-t', r]), '-f', join(context, 'Containerfile'), context);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Writes the archive of every service image unless one of exactly these image IDs exists. */
async function ensureArchive(refs: readonly string[]): Promise<string> {
  const ids = (await podman('image', 'inspect', '--format', '{{.Id}}', ...refs)).trim();
  const archive = join(ARCHIVE_DIR, SERVICES_ARCHIVE);
  const stamp = `${archive}.ids`;
  const key = `${refs.join(' ')}\n${ids}\n`;
  if (existsSync(archive) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return archive;
  console.log(`== saving ${refs.length} images to ${archive}`);
  mkdirSync(ARCHIVE_DIR, { recursive: true });
  const partial = `${archive}.partial`;
  rmSync(partial, { force: true });
  await podman('save', '--multi-image-archive', '-o', partial, ...refs);
  renameSync(partial, archive);
  writeFileSync(stamp, key);
  return archive;
}

/** Everything the flagship's images need on the hosts; returns the inventory variables that use them. */
export async function ensureServiceArchives(): Promise<Record<string, string>> {
  const baseHash = await ensureServiceBase();
  const images = serviceImages(await buildStandins(join(CACHE_DIR, 'standins')));
  for (const image of images) await ensureServiceImage(image, baseHash);
  await ensureArchive(images.flatMap((i) => i.refs));
  return serviceImageVars();
}

/** The inventory variables that make the flagship take the lab's images from the archive. */
export function serviceImageVars(): Record<string, string> {
  const onHost = `${HOST_ARCHIVE_DIR}/${SERVICES_ARCHIVE}`;
  return {
    quay_image: QUAY_TAGS[0]!,
    clair_image: CLAIR_TAGS[0]!,
    postgres_image: POSTGRES_IMAGE,
    redis_image: REDIS_IMAGE,
    pull_images: 'never',
    quay_image_archive: onHost,
    clair_image_archive: onHost,
    postgres_image_archive: onHost,
    redis_image_archive: onHost,
  };
}
