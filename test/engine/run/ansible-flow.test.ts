import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../../helpers/cli.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

// Loops, blocks and play sections, run by the real CLI over the local connection.
// Where Ansible's behaviour is the reference, it was checked with ansible-playbook (ansible-core 2.14)
// on the same playbook shape with its own modules; the expected recap lines are what it printed.

async function run(files: Record<string, string>, ...args: string[]): Promise<{ dir: string; code: number; stdout: string; stderr: string }> {
  const dir = writeTree(files);
  const r = await tackle(['run', join(dir, 'site.yml'), ...args], { cwd: dir });
  return { dir, ...r };
}

const PLAY = (tasks: string, extra = ''): string => `- hosts: localhost\n  gather_facts: false\n${extra}  tasks:\n${tasks}`;

describe('loops', () => {
  test('a loop creates three directories, reports each item and registers results', async () => {
    const tasks = `    - name: make dirs
      directory: { path: "{{ playbook_dir }}/out/{{ item }}" }
      loop: [a, b, c]
      register: made
    - name: record
      command: { argv: [sh, -c, 'echo "$1" > "$2"', x, "{{ made.results | length }} {{ made.results[1].item }}", "{{ playbook_dir }}/record"] }
      when: made.changed and not made.failed
`;
    const checked = await run({ 'site.yml': PLAY(tasks) }, '--check', '-v');
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    for (const item of ['a', 'b', 'c']) assert.match(checked.stdout, new RegExp(`changed \\(would change\\): \\[localhost\\] \\(item=${item}\\)`));
    assert.equal(existsSync(join(checked.dir, 'out')), false, '--check created nothing');

    const r = await run({ 'site.yml': PLAY(tasks) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const item of ['a', 'b', 'c']) assert.ok(existsSync(join(r.dir, 'out', item)), `directory ${item}`);
    assert.equal(readFileSync(join(r.dir, 'record'), 'utf8'), '3 b\n');
    // Ansible counts a looped task once: ok=2 changed=2.
    assert.deepEqual(parseRecap(r.stdout).get('localhost'), { ok: 2, changed: 2, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  });

  test('with_items flattens one level, with_dict gives key/value, loop_control renames, labels and indexes', async () => {
    const tasks = `    - name: items
      command: { argv: [sh, -c, 'echo "$1" >> "$2"', x, "{{ item }}", "{{ playbook_dir }}/items"] }
      with_items: [[a, b], c]
    - name: dict
      command: { argv: [sh, -c, 'echo "$1" >> "$2"', x, "{{ i }}:{{ pair.key }}={{ pair.value }}", "{{ playbook_dir }}/dict"] }
      with_dict: { x: 1, y: 2 }
      loop_control: { loop_var: pair, index_var: i, label: "{{ pair.key }}" }
    - name: some skipped
      command: { argv: [sh, -c, 'echo "$1" >> "$2"', x, "n{{ item }}", "{{ playbook_dir }}/odd"] }
      loop: [1, 2, 3]
      when: item != 2
`;
    const r = await run({ 'site.yml': PLAY(tasks) }, '-v');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(r.dir, 'items'), 'utf8'), 'a\nb\nc\n');
    assert.equal(readFileSync(join(r.dir, 'dict'), 'utf8'), '0:x=1\n1:y=2\n');
    assert.equal(readFileSync(join(r.dir, 'odd'), 'utf8'), 'n1\nn3\n');
    assert.match(r.stdout, /\[localhost\] \(item=x\)/);
    assert.match(r.stdout, /skipped: \[localhost\] \(item=2\)/);
  });

  test('loop_control.pause waits between items', async () => {
    const r = await run({
      'site.yml': PLAY(`    - name: stamped
      command: { argv: [sh, -c, 'date +%s%N >> "$1"', x, "{{ playbook_dir }}/stamps"] }
      loop: [1, 2, 3]
      loop_control: { pause: 0.4 }
`),
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const stamps = readFileSync(join(r.dir, 'stamps'), 'utf8').trim().split('\n').map(Number);
    assert.equal(stamps.length, 3);
    for (let i = 1; i < 3; i++) assert.ok((stamps[i]! - stamps[i - 1]!) / 1e6 >= 400, `item ${i + 1} came ${(stamps[i]! - stamps[i - 1]!) / 1e6} ms after the one before`);
  });

  test('a loop over something that is not a list fails the task with its position', async () => {
    const r = await run({ 'site.yml': PLAY(`    - name: bad\n      command: { argv: ['true'] }\n      loop: "{{ 'text' }}"\n`) });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /site\.yml:4:7: loop needs a list, got a string/);
  });
});

describe('blocks', () => {
  test('a rescue runs after a failure, sees ansible_failed_task, and the host counts as rescued (as in Ansible)', async () => {
    const tasks = `    - block:
        - name: breaks
          command: { argv: ['false'] }
        - name: never runs
          command: { argv: [touch, "{{ playbook_dir }}/not-reached"] }
      rescue:
        - name: recover
          command: { argv: [sh, -c, 'echo "$1" > "$2"', x, "{{ ansible_failed_task.name }} {{ ansible_failed_result.msg }}", "{{ playbook_dir }}/rescued"] }
      always:
        - name: cleanup
          command: { argv: [touch, "{{ playbook_dir }}/always"] }
    - name: after the block
      command: { argv: [touch, "{{ playbook_dir }}/after"] }
`;
    const r = await run({ 'site.yml': PLAY(tasks) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(readFileSync(join(r.dir, 'rescued'), 'utf8'), /^breaks false exited 1/);
    assert.ok(existsSync(join(r.dir, 'always')));
    assert.ok(existsSync(join(r.dir, 'after')));
    assert.equal(existsSync(join(r.dir, 'not-reached')), false);
    // ansible-playbook, same shape: ok=3 changed=3 failed=0 rescued=1.
    assert.deepEqual(parseRecap(r.stdout).get('localhost'), { ok: 3, changed: 3, unreachable: 0, failed: 0, skipped: 0, rescued: 1, ignored: 0 });
  });

  test('without a rescue the host fails, always still runs, later tasks do not', async () => {
    const tasks = `    - block:
        - name: breaks
          command: { argv: ['false'] }
      always:
        - name: cleanup
          command: { argv: [touch, "{{ playbook_dir }}/always"] }
    - name: after the block
      command: { argv: [touch, "{{ playbook_dir }}/after"] }
`;
    const r = await run({ 'site.yml': PLAY(tasks) });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(existsSync(join(r.dir, 'always')));
    assert.equal(existsSync(join(r.dir, 'after')), false);
    assert.equal(parseRecap(r.stdout).get('localhost')?.failed, 1);
  });

  test("a block's when, vars and become pass to its tasks", async () => {
    const tasks = `    - block:
        - name: skipped by the block's when
          command: { argv: [touch, "{{ playbook_dir }}/no"] }
      when: flag
    - block:
        - name: uses block vars
          command: { argv: [touch, "{{ playbook_dir }}/{{ file }}"] }
      vars: { file: from-block }
`;
    const r = await run({ 'site.yml': PLAY(tasks, '  vars: { flag: false }\n') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(existsSync(join(r.dir, 'no')), false);
    assert.ok(existsSync(join(r.dir, 'from-block')));
  });
});

describe('handlers', () => {
  test('a notify runs the handler of that name and every handler listening to it (as in Ansible)', async () => {
    const tasks = `    - name: change
      command: { argv: ['true'] }
      notify: restart app
`;
    const handlers = `  handlers:
    - name: restart app
      command: { argv: [touch, "{{ playbook_dir }}/by-name"] }
    - name: restart app unit
      listen: [restart app]
      command: { argv: [touch, "{{ playbook_dir }}/by-listen"] }
    - name: restart worker
      listen: restart app
      command: { argv: [touch, "{{ playbook_dir }}/worker"] }
`;
    const r = await run({ 'site.yml': PLAY(tasks) + handlers });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const f of ['by-name', 'by-listen', 'worker']) assert.ok(existsSync(join(r.dir, f)), `${f} handler ran`);
    assert.deepEqual(parseRecap(r.stdout).get('localhost'), { ok: 4, changed: 4, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  });
});

describe('looped includes', () => {
  test('include_tasks and include_role with loop and loop_control run their tasks once per item, when per item; import_tasks refuses a loop', async () => {
    const files = {
      'site.yml': PLAY(`    - name: per site
      include_tasks: site-tasks.yml
      loop: [alpha, beta, gamma]
      loop_control: { loop_var: site, index_var: n }
      when: site != 'beta'
      vars: { marker: "{{ site }}-{{ n }}" }
    - name: per role item
      include_role: { name: stamp }
      loop: [one, two]
`),
      'site-tasks.yml': `- name: site directory
  directory: { path: "{{ playbook_dir }}/out/{{ site }}" }
- name: files inside, a loop of its own
  command: { argv: [touch, "{{ playbook_dir }}/out/{{ site }}/{{ item }}-{{ marker }}"] }
  loop: [x, y]
`,
      'roles/stamp/tasks/main.yml': `- name: stamp
  command: { argv: [touch, "{{ playbook_dir }}/role-{{ item }}"] }
`,
    };
    const r = await run(files, '--no-progress');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const [site, n] of [['alpha', 0], ['gamma', 2]] as const) {
      for (const f of ['x', 'y']) assert.ok(existsSync(join(r.dir, 'out', site, `${f}-${site}-${n}`)), `${site}/${f}-${site}-${n}`);
    }
    assert.equal(existsSync(join(r.dir, 'out', 'beta')), false, "the include's when is evaluated per item");
    assert.ok(existsSync(join(r.dir, 'role-one')) && existsSync(join(r.dir, 'role-two')), 'include_role ran once per item');

    const refused = await run({ ...files, 'site.yml': PLAY('    - import_tasks: site-tasks.yml\n      loop: [a]\n') });
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /site\.yml:5:7: import_tasks cannot loop \(it is expanded at load\); use include_tasks/);
  });
});
