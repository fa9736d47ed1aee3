import { mkdir } from 'node:fs/promises';
import { writeOwnFile } from '../engine/report/local-file.ts';
import { basename, extname, join } from 'node:path';
import type { Slice } from '../engine/load/slice.ts';

/**
 * Writes .tackle-retry/PLAYBOOK.retry (PLAYBOOK.slice-K-of-N.retry for a slice, so slices run from
 * one directory do not overwrite each other's) and returns its path.
 */
export async function writeRetryFile(playbookFile: string, hosts: string[], slice?: Slice): Promise<string> {
  const dir = '.tackle-retry';
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const name = basename(playbookFile, extname(playbookFile)) + (slice ? `.slice-${slice.index}-of-${slice.count}` : '');
  const file = join(dir, `${name}.retry`);
  await writeOwnFile(file, hosts.join('\n') + '\n', 0o644);
  return file;
}

export function retryHint(playbookFile: string, inventories: string[], retryFile: string): string {
  return `To retry the failed and unreachable hosts: tackle run ${playbookFile}${inventories.map((i) => ` -i ${i}`).join('')} --limit @${retryFile}`;
}
