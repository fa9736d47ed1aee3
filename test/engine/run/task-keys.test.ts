import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../../helpers/cli.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

// Task and play keywords, includes and play sections as Ansible users write them, run by the real CLI
// over the local connection. Orders and counts were checked with ansible-playbook (ansible-core 2.14).

async function run(files: Record<string, string>, ...args: string[]): Promise<{ dir: string; code: number; stdout: string; stderr: string }> {
  const dir = writeTree(files);
  const r = await tackle(['run', join(dir, 'site.yml'), ...args], { cwd: dir });
  return { dir, ...r };
}

const append = (text: string, file = 'log'): string => `command: { argv: [sh, -c, 'echo "$1" >> "$2"', x, "${text}", "{{ playbook_dir }}/${file}"] }`;

describe('task keywords', () => {
  test('changed_when, failed_when, task vars, args and environment', async () => {
    const r = await run({
      'site.yml': `- hosts: localhost
  gather_facts: false
  environment: { PLAY_ENV: from-play }
  tasks:
    - name: exit 3 is fine here
      command: { argv: [sh, -c, 'exit 3'] }
      register: probe
      failed_when: probe.rc is defined and probe.rc == 4
      changed_when: false
    - name: not changed by changed_when
      command: { argv: ['true'] }
      changed_when: false
    - name: failed by failed_when
      command: { argv: ['true'] }
      register: out
      failed_when: out.changed
      ignore_errors: true
    - name: task vars and environment
      command: { argv: [sh, -c, 'echo "$PLAY_ENV $TASK_ENV $1" >> "$2"', x, "{{ word }}", "{{ playbook_dir }}/log"] }
      vars: { word: from-task-vars }
      environment: { TASK_ENV: from-task }
    - name: args
      command: { argv: [touch, "{{ playbook_dir }}/from-args"] }
      args: { creates: "{{ playbook_dir }}/from-args" }
`,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(r.dir, 'log'), 'utf8'), 'from-play from-task from-task-vars\n');
    assert.deepEqual(parseRecap(r.stdout).get('localhost'), { ok: 4, changed: 2, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 1 });
  });

  test('check_mode: false changes even under --check; check_mode: true never changes', async () => {
    const r = await run(
      {
        'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - name: always runs
      command: { argv: [touch, "{{ playbook_dir }}/ran"] }
      check_mode: false
    - name: never runs
      command: { argv: [touch, "{{ playbook_dir }}/not-ran"] }
      check_mode: true
`,
      },
      '--check',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(r.dir, 'ran')));
    assert.equal(existsSync(join(r.dir, 'not-ran')), false);
  });
});

describe('vars_prompt', () => {
  const files = {
    'site.yml': `- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: release
      prompt: Which release?
  tasks:
    - name: use it
      ${append('{{ release }}')}
`,
  };
  test('a run without a terminal is refused at the prompt, exit 5, nothing run', async () => {
    const r = await run(files);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /site\.yml:4:7: vars_prompt 'release' needs an interactive terminal.*-e release=VALUE/);
    assert.equal(existsSync(join(r.dir, 'log')), false);
  });
  test('-e gives the value, so nothing is asked (as in Ansible)', async () => {
    const r = await run(files, '-e', 'release=3.7');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(r.dir, 'log'), 'utf8'), '3.7\n');
  });
});

describe('includes, play sections and meta', () => {
  test('pre_tasks, roles, tasks, post_tasks in order, handlers flushed after each section', async () => {
    const r = await run({
      'roles/r/tasks/main.yml': `- name: role task\n  ${append('role')}\n`,
      'site.yml': `- hosts: localhost
  gather_facts: false
  pre_tasks:
    - name: pre
      ${append('pre')}
      notify: h
  roles: [r]
  tasks:
    - name: main
      ${append('main')}
      notify: h
    - meta: flush_handlers
    - name: after flush
      ${append('after flush')}
  post_tasks:
    - name: post
      ${append('post')}
      notify: h
  handlers:
    - name: h
      ${append('handler')}
`,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(r.dir, 'log'), 'utf8'), 'pre\nhandler\nrole\nmain\nhandler\nafter flush\npost\nhandler\n');
  });

  test('import_tasks applies when to each task; include_tasks evaluates it once; vars pass to both', async () => {
    const r = await run({
      'steps.yml': `- name: step one\n  ${append('{{ label }} one')}\n- name: set\n  command: { argv: ['true'] }\n  register: flip\n- name: step two\n  ${append('{{ label }} two')}\n`,
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - import_tasks: steps.yml
      vars: { label: imported }
      when: flip is not defined
    - include_tasks: steps.yml
      vars: { label: included }
      when: true
    - include_tasks: { file: steps.yml }
      vars: { label: skipped }
      when: false
`,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // The import's when is checked per task, so "two" no longer holds once flip is registered.
    assert.equal(readFileSync(join(r.dir, 'log'), 'utf8'), 'imported one\nincluded one\nincluded two\n');
  });

  test('meta end_host stops one host; end_play stops the play; import_playbook with vars and when', async () => {
    const r = await run({
      'other.yml': `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: imported\n      ${append('{{ who }}')}\n`,
      'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - name: first
      ${append('first')}
    - meta: end_host
      when: true
    - name: not reached
      ${append('not reached')}
- import_playbook: other.yml
  vars: { who: imported-with-vars }
- import_playbook: other.yml
  vars: { who: skipped }
  when: false
- hosts: localhost
  gather_facts: false
  tasks:
    - meta: end_play
    - name: after end_play
      ${append('after end_play')}
`,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(r.dir, 'log'), 'utf8'), 'first\nimported-with-vars\n');
  });
});
