import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

/** Inventories as Ansible users write them, used by real local runs. */

test('an INI inventory drives a run; an unused variable naming a fact fails nothing; -e ansible_connection=local acts', async () => {
  const dir = writeTree({
    // Over ssh to a port nothing listens on, unless -e says local.
    hosts: '[app]\nnode1 ansible_host=127.0.0.1 ansible_port=1 local_release_dir="{{ ansible_env.HOME }}/releases"\n\n[app:vars]\nmarker=from-ini\n',
    'site.yml': `- hosts: app
  tasks:
    - name: write marker
      command: { argv: [sh, -c, 'echo "{{ marker }}" > "{{ out }}"'] }
`,
  });
  const out = join(dir, 'marker.txt');
  const r = await tackle(['run', 'site.yml', '-i', 'hosts', '-e', `out=${out}`, '-e', 'ansible_connection=local', '--no-progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'from-ini\n');
  assert.deepEqual(parseRecap(r.stdout).get('node1'), { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
});

test('YAML 1.1 booleans: become: yes is accepted, and a vars value no is false', async () => {
  const dir = writeTree({
    'site.yml': `- hosts: localhost
  become: no
  vars:
    v_no: no
    v_off: Off
    v_y: y
  tasks:
    - name: runs because not v_no
      when: "{{ not v_no }}"
      command: { argv: [sh, -c, 'echo "{{ v_y }}" > "{{ out }}"'] }
    - name: skipped because v_no
      when: v_no
      command: { argv: [touch, "{{ out }}.never"] }
    - name: skipped because v_off
      when: v_off
      command: { argv: [touch, "{{ out }}.never"] }
`,
  });
  const out = join(dir, 'out.txt');
  const validate = await tackle(['validate', 'site.yml', '-e', `out=${out}`], { cwd: dir });
  assert.equal(validate.code, 0, validate.stderr);
  const r = await tackle(['run', 'site.yml', '-e', `out=${out}`, '--no-progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'y\n', 'y stays a string, as PyYAML reads it');
  assert.deepEqual(parseRecap(r.stdout).get('localhost'), { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 2, rescued: 0, ignored: 0 });
  assert.equal(existsSync(`${out}.never`), false);
});
