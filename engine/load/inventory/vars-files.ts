import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

/**
 * The files of group_vars/NAME or host_vars/NAME under a base directory, as Ansible finds them:
 * the first of NAME, NAME.yml, NAME.yaml, NAME.json that exists; when that is a directory, every
 * file in it (recursively, sorted) with no extension or one of those, skipping hidden files and `~`
 * backups. One instance serves one inventory load: it lists each group_vars/host_vars directory
 * once and remembers each answer, so 100,000 hosts cost 100,000 lookups in a set, not 800,000 stats.
 */
export class VarsFiles {
  private readonly listings = new Map<string, Set<string>>();
  private readonly answers = new Map<string, string[]>();

  of(baseDir: string, kind: 'group_vars' | 'host_vars', name: string): string[] {
    const key = `${baseDir}\0${kind}\0${name}`;
    let files = this.answers.get(key);
    if (!files) this.answers.set(key, (files = this.find(join(baseDir, kind), name)));
    return files;
  }

  private find(dir: string, name: string): string[] {
    // A name with a path separator is looked up on disk; any other one must be an entry of dir.
    const listed = /[/\\]/.test(name) ? undefined : this.listing(dir);
    for (const ext of ['', ...VARS_EXTENSIONS]) {
      const candidate = join(dir, name + ext);
      if (listed ? !listed.has(name + ext) : !existsSync(candidate)) continue;
      return statSync(candidate).isDirectory() ? filesIn(candidate) : [candidate];
    }
    return [];
  }

  private listing(dir: string): Set<string> {
    let entries = this.listings.get(dir);
    if (!entries) {
      try {
        entries = new Set(readdirSync(dir));
      } catch {
        entries = new Set();
      }
      this.listings.set(dir, entries);
    }
    return entries;
  }
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
