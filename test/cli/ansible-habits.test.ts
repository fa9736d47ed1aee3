import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

test('a task key naming an Ansible module is refused, naming the typed task that does the job', async () => {
  const dir = writeTree({
    'site.yml': `- hosts: localhost
  tasks:
    - name: config
      copy: { src: a, dest: /tmp/a }
    - ansible.builtin.template: { src: a.j2, dest: /tmp/b }
    - name: packages
      apt: { name: nginx }
    - community.general.ini_file: { path: /tmp/c }
    - ansible.builtin.set_fact: { x: 1 }
    - debug: { msg: hi }
`,
  });
  const r = await tackle(['validate', 'site.yml'], { cwd: dir });
  assert.equal(r.code, 5);
  const lines = r.stderr.split('\n');
  assert.ok(lines.includes("site.yml:4:7: 'copy' is an Ansible module; tackle runs typed tasks, not modules: use the typed task 'writeConfig' (see the task reference in the README)"), r.stderr);
  assert.ok(lines.includes("site.yml:5:7: 'ansible.builtin.template' is an Ansible module; tackle runs typed tasks, not modules: use the typed task 'template' (see the task reference in the README)"), r.stderr);
  assert.ok(lines.includes("site.yml:7:7: 'apt' is an Ansible module; tackle runs typed tasks, not modules: no typed task does this; 'command' can run the program it would (see the task reference in the README)"), r.stderr);
  assert.match(r.stderr, /site\.yml:8:7: 'community\.general\.ini_file' is an Ansible module; .*use the typed task 'writeConfig'/);
  assert.match(r.stderr, /site\.yml:9:7: 'ansible\.builtin\.set_fact' is an Ansible module; .*no task needed: set variables with `vars:` on the play, block or task, or keep a task's result with `register:`/);
  assert.match(r.stderr, /site\.yml:10:7: 'debug' is an Ansible module; .*no task needed: keep a task's result with `register:` for later tasks/);
});

test('--version prints the version of package.json, as ansible-playbook --version does', async () => {
  const { version } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))) as { version: string };
  for (const args of [['--version'], ['run', '--version']]) {
    const r = await tackle(args);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `tackle ${version}\n`);
  }
});

test('a !unsafe value is used as written, never templated, wherever it is read from', async () => {
  const dir = writeTree({
    'site.yml': `- hosts: localhost
  gather_facts: false
  vars:
    literal: !unsafe '{{ not_a_variable }} {% raw %}'
    via: "{{ literal }}|{{ listed[0] }}"
    listed: [!unsafe '{{ item }}']
  tasks:
    - name: write it
      writeConfig: { path: "{{ out }}", text: "{{ via }}" }
`,
  });
  const out = `${dir}/out.txt`;
  const v = await tackle(['validate', 'site.yml', '-e', `out=${out}`], { cwd: dir });
  assert.equal(v.code, 0, v.stderr);
  const r = await tackle(['run', 'site.yml', '-e', `out=${out}`, '--no-progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(out, 'utf8'), '{{ not_a_variable }} {% raw %}|{{ item }}');
});
