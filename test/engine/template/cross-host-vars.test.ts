import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/task-harness.ts';

/** Two hosts over the local connection; each writes what it sees of the other into a file. */
function project(content: string): string {
  const dir = tempDir('tackle-h5-xhost-');
  writeFileSync(
    join(dir, 'hosts.yml'),
    `all:
  children:
    web:
      hosts:
        web1.example.com: { ansible_connection: local, port: 8001 }
        web2.example.com: { ansible_connection: local, port: 8002 }
`,
  );
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: web
  tasks:
    - name: say hello
      command: { shell: "printf 'one\\\\ntwo\\\\n'" }
      register: hello
    - name: what this host sees
      writeConfig:
        path: "${dir}/{{ inventory_hostname_short }}.json"
        format: json
        content: ${content}
`,
  );
  return dir;
}

describe('cross-host variables', () => {
  test('hostvars, groups, group_names, play hosts, modes, dirs and stdout_lines', async () => {
    const dir = project(`
          other_port: "{{ hostvars[(ansible_play_hosts | reject('equalto', inventory_hostname) | first)].port }}"
          ports: "{{ groups.web | map('extract', hostvars, 'port') | list }}"
          other_said: "{{ hostvars['web2.example.com'].hello.stdout_lines }}"
          group_names: "{{ group_names }}"
          play_hosts: "{{ ansible_play_hosts }}"
          batch: "{{ ansible_play_batch }}"
          check: "{{ ansible_check_mode }}"
          diff: "{{ ansible_diff_mode }}"
          inventory_dir: "{{ inventory_dir }}"
          playbook_dir: "{{ playbook_dir }}"
          lines: "{{ hello.stdout_lines }}"`);
    const run = await tackle(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--no-progress', '--diff']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const web1 = JSON.parse(readFileSync(join(dir, 'web1.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(web1, {
      other_port: 8002,
      ports: [8001, 8002],
      other_said: ['one', 'two'],
      group_names: ['web'],
      play_hosts: ['web1.example.com', 'web2.example.com'],
      batch: ['web1.example.com', 'web2.example.com'],
      check: false,
      diff: true,
      inventory_dir: dir,
      playbook_dir: dir,
      lines: ['one', 'two'],
    });
    assert.equal((JSON.parse(readFileSync(join(dir, 'web2.json'), 'utf8')) as Record<string, unknown>)['other_port'], 8001);
  });

  test('hostvars of a host that is not in the inventory says so', async () => {
    const dir = project(`{ x: "{{ hostvars['db9'].port }}" }`);
    const run = await tackle(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--no-progress']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /no host 'db9' in the inventory/);
  });
});

// The active host lists are shared by all hosts' scopes and computed again only when a host's
// state changes: a host that fails drops out of them for the next task, one rescued comes back.
test('ansible_play_hosts follows failures and rescues between tasks', async () => {
  const dir = tempDir('tackle-h5-playhosts-');
  writeFileSync(join(dir, 'hosts.yml'), `all:\n  hosts:\n    a: { ansible_connection: local }\n    b: { ansible_connection: local }\n    c: { ansible_connection: local }\n`);
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: all
  tasks:
    - block:
        - name: fails on c
          command: { argv: [sh, -c, 'exit 1'] }
          when: inventory_hostname == 'c'
      rescue:
        - name: seen in the rescue
          writeConfig: { path: "${dir}/{{ inventory_hostname }}-rescue.json", format: json, content: { hosts: "{{ ansible_play_hosts }}" } }
    - name: fails on b
      command: { argv: [sh, -c, 'exit 1'] }
      when: inventory_hostname == 'b'
    - name: seen after
      writeConfig: { path: "${dir}/{{ inventory_hostname }}.json", format: json, content: { hosts: "{{ ansible_play_hosts }}" } }
`,
  );
  const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], { cwd: dir });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const seen = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hosts: string[] }).hosts;
  assert.deepEqual(seen('c-rescue.json'), ['a', 'b', 'c']);
  assert.deepEqual(seen('a.json'), ['a', 'c']);
  assert.deepEqual(seen('c.json'), ['a', 'c']);
});
