/**
 * The Debian mirror this machine already uses, read from its apt sources at run time, so the
 * repository never names one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES_DIR = '/etc/apt/sources.list.d';
const SOURCES_LIST = '/etc/apt/sources.list';

/** deb822 stanzas (`*.sources`): the first `Types: deb` stanza whose suites include SUITE. */
function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (field('Types').includes('deb') && field('Suites').includes(suite)) return field('URIs')[0];
  }
  return undefined;
}

/** One-line format: `deb [opts] URI SUITE COMPONENTS`. */
function fromOneLine(text: string, suite: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m && m[2] === suite) return m[1];
  }
  return undefined;
}

export function debianMirror(suite: string): string {
  const files = existsSync(SOURCES_DIR) ? readdirSync(SOURCES_DIR).sort().map((f) => join(SOURCES_DIR, f)) : [];
  for (const file of files.filter((f) => f.endsWith('.sources'))) {
    const uri = fromDeb822(readFileSync(file, 'utf8'), suite);
    if (uri) return uri;
  }
  for (const file of [SOURCES_LIST, ...files.filter((f) => f.endsWith('.list'))]) {
    const uri = existsSync(file) ? fromOneLine(readFileSync(file, 'utf8'), suite) : undefined;
    if (uri) return uri;
  }
  throw new Error(`no apt source for Debian ${suite} in ${SOURCES_DIR}/*.sources or ${SOURCES_LIST}: the lab builds its images from this machine's Debian mirror`);
}
