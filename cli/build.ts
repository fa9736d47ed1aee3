import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writePrecompiledValidators } from './build-validators.ts';
import { BUNDLE_FILE } from './compiled-main.ts';

/**
 * `npm run build` (run by `npm ci` through `prepare`): compiles the sources to DIST (default
 * dist/), then bundles the CLI from there into DIST/bundle/, which bin/tackle.js runs:
 *   - entry.js, a small ES module: --help and --version, and the loader of the rest;
 *   - main.cjs, the rest of the CLI and its packages in one CommonJS file (native addons, such
 *     as ssh2's crypto binding, stay files of their package), with the V8 code cache a training
 *     run recorded for it (cli/compiled-main.ts says why);
 *   - the schema validators, compiled ahead of time.
 * One bundle means a start reads a handful of files instead of some hundreds (ours and the packages').
 *   node --import tsx cli/build.ts [DIST]
 */
const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(repo, 'dist'));
const bundleDir = join(dist, 'bundle');

const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

rmSync(bundleDir, { recursive: true, force: true });

/** In the bundled entry, main.ts is the compiled bundle's loader. */
const mainIsTheBundle: Plugin = {
  name: 'main-is-the-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: join(dist, 'cli', 'compiled-main.js') }));
  },
};
/** Native addons stay files of their package, required by their path inside it. */
const nativeAddonsStay: Plugin = {
  name: 'native-addons-stay',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = join(args.resolveDir, args.path);
      const inPackages = file.lastIndexOf('/node_modules/');
      if (inPackages < 0) return { errors: [{ text: `a native addon outside node_modules: ${file}` }] };
      return { path: file.slice(inPackages + '/node_modules/'.length), external: true };
    });
  },
};
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' } as const;
await build({ ...common, entryPoints: [join(dist, 'cli', 'entry.js')], outfile: join(bundleDir, 'entry.js'), format: 'esm', plugins: [mainIsTheBundle] });
await build({
  ...common,
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: join(bundleDir, BUNDLE_FILE),
  format: 'cjs',
  external: ['cpu-features'],
  plugins: [nativeAddonsStay],
  // What the modules ask of import.meta.url (files beside them) is the bundle's own URL.
  define: { 'import.meta.url': '__tackleBundleUrl' },
  banner: { js: "var __tackleBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
writePrecompiledValidators(bundleDir);

const training = spawnSync(process.execPath, [join(dist, 'cli', 'code-cache', 'train.js'), bundleDir, join(repo, 'cli', 'code-cache', 'training.yml')], { stdio: 'inherit' });
if (training.status !== 0) process.stderr.write('build: the bundle runs without a code cache (starts are slower); see above\n');
