import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

const TASK = `  tasks:
    - command: { argv: [sh, -c, 'echo {{ inventory_hostname }} >> "{{ out }}"'] }
`;

test('a play whose pattern matches no host is an error before anything runs, unless --allow-no-hosts', async () => {
  const dir = writeTree({ hosts: '[web]\nweb1 ansible_connection=local\n', 'site.yml': `- name: db play\n  hosts: db\n${TASK}- hosts: web\n${TASK}` });
  const out = join(dir, 'out.txt');
  const refused = await tackle(['run', 'site.yml', '-i', 'hosts', '-e', `out=${out}`, '--no-progress'], { cwd: dir });
  assert.equal(refused.code, 5);
  assert.match(refused.stderr, /site\.yml:1:3: play 'db play': hosts pattern 'db' matches no host of the inventory/);
  const allowed = await tackle(['run', 'site.yml', '-i', 'hosts', '-e', `out=${out}`, '--allow-no-hosts', '--no-progress'], { cwd: dir });
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'web1\n');
});

test('templated hosts: and an implicit localhost', async () => {
  const dir = writeTree({
    hosts: '[web]\nweb1 ansible_connection=local\nweb2 ansible_connection=local\n',
    'site.yml': `- hosts: "{{ target }}[-1]"\n${TASK}- hosts: localhost\n${TASK}`,
  });
  const out = join(dir, 'out.txt');
  const r = await tackle(['run', 'site.yml', '-i', 'hosts', '-e', 'target=web', '-e', `out=${out}`, '--no-progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'web2\nlocalhost\n');
});
