/**
 * Which image ID a `podman save` archive holds for a reference, read from the archive on the
 * target without loading it: docker-archive's manifest.json (one entry per image, "Config"
 * is the config blob whose digest is the image ID) or oci-archive's index.json.
 */
import type { Connection } from '../../engine/connection.ts';
import { run } from '../../engine/exec-helpers.ts';
import { TaskError } from '../../engine/errors.ts';

/** docker.io/library/busybox:latest for "busybox"; other references get ":latest" when untagged. */
export function normalizeRef(ref: string): string {
  const withTag = /@|:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
  const first = withTag.split('/')[0]!;
  if (withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return withTag;
  return `docker.io/${withTag.includes('/') ? '' : 'library/'}${withTag}`;
}

const sha256 = (s: string): string => s.replace(/^sha256:/, '').replace(/\.json$/, '').replace(/^blobs\/sha256\//, '');

async function member(conn: Connection, archive: string, name: string): Promise<string | null> {
  const r = await run(conn, ['tar', '-xOf', archive, '--', name], { okCodes: [0, 1, 2] });
  return r.code === 0 ? r.stdout : null;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TaskError(`${what} is not valid JSON: not a podman save archive`);
  }
}

interface DockerEntry {
  Config?: string;
  RepoTags?: string[] | null;
}

interface OciIndex {
  manifests?: { digest?: string; annotations?: Record<string, string> }[];
}

/** The image ID the archive holds under ref, or null when it holds no image of that name. */
export async function archiveImageId(conn: Connection, archive: string, ref: string): Promise<string | null> {
  const wanted = normalizeRef(ref);
  const manifest = await member(conn, archive, 'manifest.json');
  if (manifest !== null) {
    const entries = parseJson(manifest, `${archive}: manifest.json`) as DockerEntry[];
    const entry = entries.find((e) => (e.RepoTags ?? []).some((t) => normalizeRef(t) === wanted));
    return entry?.Config ? sha256(entry.Config) : null;
  }
  const index = await member(conn, archive, 'index.json');
  if (index === null) throw new TaskError(`${archive} holds neither manifest.json nor index.json: not a podman save archive`);
  const descriptor = ((parseJson(index, `${archive}: index.json`) as OciIndex).manifests ?? []).find((m) => {
    const name = m.annotations?.['org.opencontainers.image.ref.name'];
    return name !== undefined && (normalizeRef(name) === wanted || name === wanted.split(':').pop());
  });
  if (!descriptor?.digest) return null;
  const imageManifest = await member(conn, archive, `blobs/sha256/${sha256(descriptor.digest)}`);
  if (!imageManifest) return null;
  const config = (parseJson(imageManifest, `${archive}: image manifest`) as { config?: { digest?: string } }).config;
  return config?.digest ? sha256(config.digest) : null;
}
