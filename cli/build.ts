import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writePrecompiledValidators } from './build-validators.ts';

/**
 * `npm run build` (run by `npm ci` through `prepare`): compiles the sources to DIST (default
 * dist/), then bundles the CLI from there into DIST/bundle/, which bin/tackle.js runs. One
 * bundle, split where main.ts imports lazily, so a start resolves and reads a handful of files
 * instead of some hundreds (ours and the packages'); --help loads no more than before. Beside
 * the bundle go the schema validators, compiled ahead of time.
 *   node --import tsx cli/build.ts [DIST]
 */
const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(repo, 'dist'));

const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

rmSync(join(dist, 'bundle'), { recursive: true, force: true });
await build({
  entryPoints: [join(dist, 'cli', 'entry.js')],
  outdir: join(dist, 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ssh2 loads its optional native crypto binding by a path of its own: it stays a package.
  external: ['ssh2'],
  // The bundled CommonJS packages call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as tackleCreateRequire } from 'node:module'; const require = tackleCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
writePrecompiledValidators(join(dist, 'bundle'));
