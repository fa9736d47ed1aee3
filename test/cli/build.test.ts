import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));


/** A package laid out as `npm ci` leaves it: package.json, bin/, node_modules and (optionally) the built dist/. */
function packageCopy(dir: string): void {
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(REPO, 'bin', 'tackle.js'), join(dir, 'bin', 'tackle.js'));
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
}

describe('compiled program: bin/tackle.js runs what `npm run build` writes to dist/', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h8-build-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the build compiles the sources to JavaScript, bundles them, and the bundled CLI validates a playbook', () => {
    const pkg = join(dir, 'built');
    mkdirSync(pkg);
    packageCopy(pkg);
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'cli', 'build.ts'), join(pkg, 'dist')], { encoding: 'utf8', cwd: REPO });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const entry = readFileSync(join(pkg, 'dist', 'cli', 'entry.js'), 'utf8');
    assert.match(entry, /from ["']\.\/quick-answers\.js["']/, 'relative imports point at the compiled .js files');
    assert.match(entry, /import\(["']\.\/main\.js["']\)/, 'the rest of the CLI is loaded only past --help and --version');
    const bundle = readdirSync(join(pkg, 'dist', 'bundle'));
    assert.ok(bundle.includes('entry.js'), `no entry.js in dist/bundle: ${bundle.join(', ')}`);
    // The bundle holds our modules and the packages but ssh2 (its native binding has a path of its own).
    const files = bundle.map((f) => readFileSync(join(pkg, 'dist', 'bundle', f), 'utf8')).join('\n');
    assert.doesNotMatch(files, /from ["'](yaml|ajv|listr2)["']/);
    assert.match(files, /from ["']ssh2["']/);

    const version = spawnSync(process.execPath, [join(pkg, 'bin', 'tackle.js'), '--version'], { encoding: 'utf8' });
    assert.equal(version.stdout, `tackle ${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`);

    const help = spawnSync(process.execPath, [join(pkg, 'bin', 'tackle.js'), 'run', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: tackle run PLAYBOOK/);

    const playbook = join(dir, 'site.yml');
    writeFileSync(playbook, '- name: p\n  hosts: localhost\n  tasks:\n    - name: d\n      directory: { path: /tmp/x }\n');
    const validate = spawnSync(process.execPath, [join(pkg, 'bin', 'tackle.js'), 'validate', playbook], { encoding: 'utf8' });
    assert.equal(validate.status, 0, validate.stderr);
    assert.equal(validate.stdout, `${playbook}: valid (1 plays, 1 tasks, 1 hosts)\n`);
  });

  test('without dist/, bin/tackle.js says what to run and exits 1', () => {
    const pkg = join(dir, 'unbuilt');
    mkdirSync(pkg);
    packageCopy(pkg);
    const r = spawnSync(process.execPath, [join(pkg, 'bin', 'tackle.js'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the compiled program \(dist\/\) is missing\. Run `npm ci` \(or `npm run build`\)/);
  });
});
