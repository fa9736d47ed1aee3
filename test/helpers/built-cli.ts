import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A package laid out as `npm ci` leaves it, without its dist/: package.json, bin/ and node_modules. */
export function packageCopy(dir: string): void {
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(REPO, 'bin', 'tackle.js'), join(dir, 'bin', 'tackle.js'));
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
}

/**
 * Builds the current sources into a package copy in `dir` (as `npm ci` would) and returns its
 * bin/tackle.js: what an operator runs, one bundled file instead of a tree of sources to transpile.
 */
export function buildTackle(dir: string): string {
  mkdirSync(dir, { recursive: true });
  packageCopy(dir);
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'cli', 'build.ts'), join(dir, 'dist')], { encoding: 'utf8', cwd: REPO });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  return join(dir, 'bin', 'tackle.js');
}
