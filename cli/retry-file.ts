import { mkdir } from 'node:fs/promises';
import { writeOwnFile } from '../engine/report/local-file.ts';
import { basename, extname, join } from 'node:path';
import type { Slice } from '../engine/load/slice.ts';
import type { LimitTerm } from '../engine/load/host-pattern.ts';
import { InputError } from '../engine/errors.ts';

/**
 * Writes .tackle-retry/PLAYBOOK.retry (PLAYBOOK.slice-K-of-N.retry for a slice, so slices run from
 * one directory do not overwrite each other's) and returns its path.
 */
export async function writeRetryFile(playbookFile: string, hosts: string[], slice?: Slice): Promise<string> {
  const dir = '.tackle-retry';
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const name = basename(playbookFile, extname(playbookFile)) + (slice ? `.slice-${slice.index}-of-${slice.count}` : '');
  const file = join(dir, `${name}.retry`);
  await writeOwnFile(file, hosts.map(retryLine).join('\n') + '\n', 0o644);
  return file;
}

export function retryHint(playbookFile: string, inventories: string[], retryFile: string): string {
  return `To retry the failed and unreachable hosts: tackle run ${playbookFile}${inventories.map((i) => ` -i ${i}`).join('')} --limit @${retryFile}`;
}

/**
 * A host name as a retry-file line: as is (IPv6 addresses and names with pattern characters
 * included: a line that names an inventory host exactly is that host), or as a JSON string where
 * the line would not read back as the name (a line break or other control character, spaces at
 * either end, a leading `#` or `"`).
 */
function retryLine(host: string): string {
  return /^$|^[\s#"]|\s$|[\p{Cc}\u2028\u2029]/u.test(host) ? JSON.stringify(host) : host;
}

/**
 * The terms of a `--limit @FILE` file, one a line (blank lines and `#` comments skipped): a line
 * that names an inventory host exactly, or a JSON string (`"..."`), is that one host even where a
 * group has the same name; any other line is a host pattern, as in Ansible.
 */
export function limitFileTerms(text: string, file: string, isHost: (name: string) => boolean): LimitTerm[] {
  const terms: LimitTerm[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    if (isHost(line)) terms.push({ host: line });
    else if (line.startsWith('"')) terms.push({ host: quotedHost(line, { file, line: index + 1, col: raw.indexOf('"') + 1 }) });
    else terms.push(line);
  });
  return terms;
}

function quotedHost(line: string, pos: { file: string; line: number; col: number }): string {
  let name: unknown;
  try {
    name = JSON.parse(line);
  } catch {
    name = undefined;
  }
  if (typeof name !== 'string') throw new InputError(pos, `a quoted host name must be one JSON string, got ${line}`);
  return name;
}
