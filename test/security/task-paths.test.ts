import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

// A path given to a task reaches programs on the host (find, chmod, curl --cacert, podman load);
// a relative one resolves against whatever directory that program runs in, and one starting
// with "-" reads as an option or, for find, an expression: `-delete` deleted files.
describe('task paths must be absolute', () => {
  test('a literal relative path is an input error at validate, FILE:LINE:COL, for every task that takes one', async () => {
    const dir = writeTree({
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - directory: { path: -delete, recurse: true, owner: root }
    - writeConfig: { path: etc/app.yaml, content: { a: 1 } }
    - secret: { path: secret.txt }
    - command: { argv: ["true"], creates: done, removes: todo, chdir: work }
    - genCA: { dir: ca }
    - signCert: { caDir: ca, dir: tls, commonName: x.example }
    - waitFor: { url: "https://x.example", caFile: ca.pem }
    - podmanImage: { name: "localhost/x:1", import: { tarball: x.tar } }
    - podmanImage: { name: "localhost/y:1", archive: y.tar }
`,
    });
    const r = await tackle(['validate', 'site.yml'], { cwd: dir });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    const problems = r.stderr.split('\n').filter((l) => l.includes('absolute path'));
    assert.deepEqual(problems.sort(), [
      "site.yml:4:26: field 'path' must be an absolute path (starting with /)",
      "site.yml:5:28: field 'path' must be an absolute path (starting with /)",
      "site.yml:6:23: field 'path' must be an absolute path (starting with /)",
      "site.yml:7:43: field 'creates' must be an absolute path (starting with /)",
      "site.yml:7:58: field 'removes' must be an absolute path (starting with /)",
      "site.yml:7:71: field 'chdir' must be an absolute path (starting with /)",
      "site.yml:8:21: field 'dir' must be an absolute path (starting with /)",
      "site.yml:9:26: field 'caDir' must be an absolute path (starting with /)",
      "site.yml:9:35: field 'dir' must be an absolute path (starting with /)",
      "site.yml:10:52: field 'caFile' must be an absolute path (starting with /)",
      "site.yml:11:64: field 'import.tarball' must be an absolute path (starting with /)",
      "site.yml:12:54: field 'archive' must be an absolute path (starting with /)",
    ].sort());
  });

  test('a templated path that turns out relative fails the task at run time; `-delete` deletes nothing', async () => {
    const dir = writeTree({
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - name: owner beneath
      directory: { path: "{{ where }}", recurse: true, owner: root }
`,
    });
    writeFileSync(join(dir, 'keep.txt'), 'precious');
    const r = await tackle(['run', 'site.yml', '--no-progress', '-e', 'where=-delete'], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(r.stdout.includes("failed: [localhost]: site.yml:4:7: after templating: field 'path' must be an absolute path (starting with /)\n"), r.stdout);
    assert.ok(existsSync(join(dir, 'keep.txt')), 'files in the working directory are untouched');
    assert.ok(existsSync(join(dir, 'site.yml')));
  });
});
