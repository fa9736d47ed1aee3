import { TaskError } from '../../engine/errors.ts';
import { inspectImage, podman, PULL_TIMEOUT_MS, type ImageInfo, type Podman } from './cli.ts';
import { withTargetTempDir } from '../../engine/exec-helpers.ts';
import { writeAuthFile, type RegistryAuth } from './registry-auth.ts';

/** Pulls the image (with credentials when given) and returns what is then stored under that name. */
export async function pullImage(p: Podman, ref: string, auth?: RegistryAuth): Promise<ImageInfo> {
  const pull = async (extra: string[]) => {
    await podman(p, ['pull', '-q', ...extra, ref], { timeoutMs: PULL_TIMEOUT_MS });
  };
  if (auth) {
    await withTargetTempDir(p.conn, async (dir) => pull(['--authfile', await writeAuthFile(p.conn, dir, ref, auth)]));
  } else {
    await pull([]);
  }
  const info = await inspectImage(p, ref);
  if (!info) throw new TaskError(`podman pull ${ref} succeeded but the image is not there afterwards`);
  return info;
}
