import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TACKLE_FROM_SOURCE } from '../helpers/cli.ts';
import { packageCopy } from '../helpers/built-cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

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
    assert.doesNotMatch(build.stderr, /code cache/, 'the training run that records the code cache succeeded');
    const bundle = readdirSync(join(pkg, 'dist', 'bundle'));
    for (const file of ['entry.js', 'main.cjs', 'main.cjs.cache']) assert.ok(bundle.includes(file), `no ${file} in dist/bundle: ${bundle.join(', ')}`);
    // The bundle holds our modules and the packages; native addons stay files of their package.
    const main = readFileSync(join(pkg, 'dist', 'bundle', 'main.cjs'), 'utf8');
    assert.doesNotMatch(main, /require\(["'](yaml|listr2|ssh2)["']\)/);
    assert.match(main, /require\(["']ssh2\/lib\/protocol\/crypto\/build\/Release\/sshcrypto\.node["']\)/);
    assert.ok(readFileSync(join(pkg, 'dist', 'bundle', 'entry.js'), 'utf8').length < 20_000, '--help loads only the small entry module');

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

  test('the build compiles every schema ahead of time: the engine takes each validator from beside the bundle and compiles none', async () => {
    const dist = pathToFileURL(join(dir, 'built', 'dist') + '/');
    const validators = (await import(new URL('engine/load/schema-validators.js', dist).href)) as typeof import('../../engine/load/schema-validators.ts');
    const { taskRegistry } = (await import(new URL('cli/task-registry.js', dist).href)) as typeof import('../../cli/task-registry.ts');
    const playbookSchemas = (await import(new URL('engine/load/playbook-schema.js', dist).href)) as typeof import('../../engine/load/playbook-schema.ts');
    validators.usePrecompiledValidators(new URL('bundle/', dist));
    const defs = [...taskRegistry().values()];
    for (const def of defs) {
      validators.validatorFor('load', def.schema);
      validators.validatorFor('run', def.schema);
    }
    const loaderSchemas = playbookSchemas.LOADER_SCHEMAS;
    for (const schema of loaderSchemas) validators.validatorFor('load', schema);
    assert.deepEqual(validators.validatorOrigins, { precompiled: defs.length * 2 + loaderSchemas.length, compiled: 0 });
  });

  test('the built CLI reports schema problems, before and after templating, exactly as the sources do', () => {
    const work = mkdtempSync(join(dir, 'same-errors-'));
    writeFileSync(join(work, 'bad.yml'), [
      '- name: p', '  hosts: localhost', '  tasks:',
      '    - name: typo', '      directory: { path: /tmp/x, mdoe: "0755" }',
      '    - name: relative', '      directory: { path: relative/dir }',
      '    - name: wrong type', '      genCA: { dir: /tmp/pki, subject: { CN: x }, days: many }',
      '    - name: neither CA', '      signCert: { dir: /tmp/x }',
      '    - name: unknown key', '      directory: { path: /tmp/y }', '      whenn: true',
      '',
    ].join('\n'));
    writeFileSync(join(work, 'late.yml'), '- name: p\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: templated\n      directory: { path: "{{ p }}" }\n');
    const both = (args: string[]) => [[join(dir, 'built', 'bin', 'tackle.js')], TACKLE_FROM_SOURCE].map((start) => {
      const r = spawnSync(process.execPath, [...start, ...args], { encoding: 'utf8', cwd: work });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    });
    const [builtBad, sourceBad] = both(['validate', 'bad.yml']);
    assert.equal(builtBad!.status, 5, builtBad!.stdout + builtBad!.stderr);
    assert.match(builtBad!.stdout + builtBad!.stderr, /unknown field 'mdoe' in directory \(did you mean 'mode'\?\)/);
    assert.deepEqual(builtBad, sourceBad);
    const [builtLate, sourceLate] = both(['run', 'late.yml', '-c', 'local', '-e', 'p=relative', '--no-progress']);
    assert.equal(builtLate!.status, 2, builtLate!.stdout + builtLate!.stderr);
    assert.match(builtLate!.stdout, /after templating: field 'path' must be an absolute path/);
    assert.deepEqual(builtLate, sourceLate);
  });

  test('the bundle compiles from the code cache the build recorded; a damaged cache is refused and the CLI runs as before', async () => {
    const bundleDir = join(dir, 'built', 'dist', 'bundle');
    const { loadBundle, CODE_CACHE_FILE } = (await import(pathToFileURL(join(dir, 'built', 'dist', 'cli', 'compiled-main.js')).href)) as typeof import('../../cli/compiled-main.ts');
    const cacheFile = join(bundleDir, CODE_CACHE_FILE);
    const cache = readFileSync(cacheFile);
    assert.equal(loadBundle(bundleDir, cache).cacheRejected, false, 'V8 took the cache the build wrote');
    assert.equal(loadBundle(bundleDir, cache.subarray(0, cache.length >> 1)).cacheRejected, true);

    const playbook = join(dir, 'cache.yml');
    writeFileSync(playbook, '- name: p\n  hosts: localhost\n  tasks:\n    - name: d\n      directory: { path: /tmp/x }\n');
    const validate = () => spawnSync(process.execPath, [join(dir, 'built', 'bin', 'tackle.js'), 'validate', playbook], { encoding: 'utf8' });
    const withCache = validate();
    try {
      for (const damaged of [cache.subarray(0, 100), Buffer.concat([Buffer.alloc(32), cache.subarray(32)]), Buffer.alloc(0)]) {
        writeFileSync(cacheFile, damaged);
        const r = validate();
        assert.deepEqual([r.status, r.stdout, r.stderr], [withCache.status, withCache.stdout, withCache.stderr]);
      }
      rmSync(cacheFile);
      const r = validate();
      assert.deepEqual([r.status, r.stdout, r.stderr], [0, withCache.stdout, '']);
    } finally {
      writeFileSync(cacheFile, cache);
    }
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
