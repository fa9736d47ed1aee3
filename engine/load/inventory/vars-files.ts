import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

/**
 * The files of group_vars/NAME or host_vars/NAME under baseDir, as Ansible finds them: the first
 * of NAME, NAME.yml, NAME.yaml, NAME.json that exists; when that is a directory, every file in it
 * (recursively, sorted) with no extension or one of those, skipping hidden files and `~` backups.
 */
export function varsFilesOf(baseDir: string, kind: 'group_vars' | 'host_vars', name: string): string[] {
  const stem = join(baseDir, kind, name);
  for (const ext of ['', ...VARS_EXTENSIONS]) {
    const candidate = stem + ext;
    if (!existsSync(candidate)) continue;
    return statSync(candidate).isDirectory() ? filesIn(candidate) : [candidate];
  }
  return [];
}

function filesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const full = join(dir, entry);
    const ext = extname(entry);
    if (!existsSync(full)) continue;
    const stat = statSync(full);
    if (stat.isDirectory() && !ext) out.push(...filesIn(full));
    else if (stat.isFile() && (!ext || VARS_EXTENSIONS.includes(ext))) out.push(full);
  }
  return out;
}
