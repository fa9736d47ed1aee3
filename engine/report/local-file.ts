import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file tackle produces on the controller (report, retry file) with exactly `mode`,
 * whatever the umask, and never through a symlink planted at PATH: a new temp file beside it,
 * created exclusively, then renamed over PATH (which replaces a symlink, not its target).
 */
export async function writeOwnFile(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tackle-${randomBytes(6).toString('hex')}`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.chmod(mode);
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
