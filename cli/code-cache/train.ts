/**
 * Part of `npm run build`, in a plain node process of its own (as bin/tackle.js runs): loads the
 * bundle as compiled-main.ts does, runs training.yml through it over the local connection under a
 * temporary directory (converge, again unchanged, check with diff, validate), and writes the V8
 * code cache of everything those runs compiled beside the bundle.
 *   node dist/cli/code-cache/train.js BUNDLE_DIR TRAINING_PLAYBOOK
 * Exits 1, writing nothing, when a training run does not end as it should.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_CACHE_FILE, loadBundle } from '../compiled-main.ts';

const [bundleDir, playbook] = process.argv.slice(2);
if (!bundleDir || !playbook) {
  process.stderr.write('usage: train.js BUNDLE_DIR TRAINING_PLAYBOOK\n');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'tackle-code-cache-'));
const inventory = join(work, 'hosts.yml');
writeFileSync(inventory, 'all:\n  hosts:\n    training:\n      ansible_connection: local\n');
const printed: string[] = [];
const io = { out: { write: (text: string) => printed.push(text) }, err: { write: (text: string) => printed.push(text) } };

const inputs = [playbook, '-i', inventory, '-e', `root=${join(work, 'root')}`];
const runs: [string, string[]][] = [
  ['converge', ['run', ...inputs, '--no-progress']],
  ['unchanged', ['run', ...inputs, '--no-progress']],
  ['check', ['run', ...inputs, '--no-progress', '--check', '--diff']],
  ['validate', ['validate', ...inputs]],
];

const cwd = process.cwd();
try {
  // A failed run would leave its retry file in the working directory: it is the scratch one.
  process.chdir(work);
  const bundle = loadBundle(bundleDir);
  for (const [label, argv] of runs) {
    const code = await bundle.main(argv, io);
    if (code !== 0) throw new Error(`the ${label} run exited ${code}:\n${printed.join('')}`);
    printed.length = 0;
  }
  writeFileSync(join(bundleDir, CODE_CACHE_FILE), bundle.script.createCachedData());
} catch (error) {
  process.stderr.write(`code cache training failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  process.chdir(cwd);
  rmSync(work, { recursive: true, force: true });
}
