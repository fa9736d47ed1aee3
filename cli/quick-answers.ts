import { readFileSync } from 'node:fs';
import { MAIN_HELP } from './help.ts';
import { EXIT } from './exit-codes.ts';

/** The version in package.json (one level up from the sources, two from dist/cli and dist/bundle). */
export function tackleVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tackle' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export interface QuickAnswer {
  out: string;
  code: number;
}

/**
 * What `tackle --version` and `tackle --help` (or no command) print, answered before the rest of
 * the CLI is loaded: entry.ts asks this first and imports main.ts only when there is none.
 */
export function quickAnswer(argv: readonly string[]): QuickAnswer | undefined {
  const [command, ...rest] = argv;
  if (command === '--version' || (command === 'run' && rest.includes('--version'))) return { out: `tackle ${tackleVersion()}\n`, code: EXIT.ok };
  if (!command || command === '--help' || command === '-h' || command === 'help') return { out: MAIN_HELP, code: command ? EXIT.ok : EXIT.invalid };
  return undefined;
}
