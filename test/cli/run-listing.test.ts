import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

const TRUE = 'command: { argv: ["true"] }';

/** The playbook ansible-playbook listed, with `debug: msg=x` where this has `command`. */
const LISTED = `- name: Web servers
  hosts: web
  tags: [play1]
  tasks:
    - name: first task
      ${TRUE}
      tags: [a, b]
    - name: never task
      ${TRUE}
      tags: [never, debugonly]
    - ${TRUE}
    - name: a block
      block:
        - name: in block
          ${TRUE}
          tags: [c]
  handlers:
    - name: h1
      ${TRUE}
- hosts: db:web
  gather_facts: false
  tasks:
    - name: second play task
      ${TRUE}
      tags: always
`;
const INVENTORY = '[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n[db]\nd1 ansible_connection=local\n';

// Recorded with ansible-core 2.14.18 (`ansible-playbook -i inv.ini site.yml --list-hosts --list-tasks --list-tags`);
// the unnamed task shows its action there (debug) and its type here (command).
const ANSIBLE_LISTING = `
playbook: site.yml

  play #1 (web): Web servers\tTAGS: [play1]
    pattern: ['web']
    hosts (2):
      w1
      w2
    tasks:
      first task\tTAGS: [a, b, play1]
      command\tTAGS: [play1]
      in block\tTAGS: [c, play1]
      TASK TAGS: [a, b, c, play1]

  play #2 (db:web): db:web\tTAGS: []
    pattern: ['db:web']
    hosts (3):
      w1
      w2
      d1
    tasks:
      second play task\tTAGS: [always]
      TASK TAGS: [always]
`;

test('--list-hosts --list-tasks --list-tags print what ansible-playbook prints, and contact no host', async () => {
  const dir = writeTree({ 'site.yml': LISTED.replace(/hosts: web\n/, 'hosts: web\n  vars: { ansible_host: 192.0.2.1 }\n'), 'inv.ini': INVENTORY.replaceAll('ansible_connection=local', 'ansible_connection=ssh ansible_host=192.0.2.1') });
  const r = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-hosts', '--list-tasks', '--list-tags'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ANSIBLE_LISTING);
  assert.equal(readdirSync(dir).includes('.tackle-retry'), false);
});

test('each list option alone, with --limit and --tags, as ansible-playbook prints it', async () => {
  const dir = writeTree({ 'site.yml': LISTED, 'inv.ini': INVENTORY });
  const hosts = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-hosts', '-l', 'w1'], { cwd: dir });
  assert.equal(hosts.code, 0, hosts.stderr);
  assert.equal(hosts.stdout, "\nplaybook: site.yml\n\n  play #1 (web): Web servers\tTAGS: [play1]\n    pattern: ['web']\n    hosts (1):\n      w1\n\n  play #2 (db:web): db:web\tTAGS: []\n    pattern: ['db:web']\n    hosts (1):\n      w1\n");
  const never = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-tasks', '--tags', 'never'], { cwd: dir });
  assert.equal(never.stdout, '\nplaybook: site.yml\n\n  play #1 (web): Web servers\tTAGS: [play1]\n    tasks:\n      never task\tTAGS: [debugonly, never, play1]\n\n  play #2 (db:web): db:web\tTAGS: []\n    tasks:\n      second play task\tTAGS: [always]\n');
  const tags = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-tags', '--tags', 'debugonly'], { cwd: dir });
  assert.equal(tags.stdout, '\nplaybook: site.yml\n\n  play #1 (web): Web servers\tTAGS: [play1]\n      TASK TAGS: [debugonly, never, play1]\n\n  play #2 (db:web): db:web\tTAGS: []\n      TASK TAGS: [always]\n');
  const skipped = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-tasks', '--skip-tags', 'c'], { cwd: dir });
  assert.doesNotMatch(skipped.stdout, /in block/);
});

test('--syntax-check loads everything and prints the playbook; a mistake is exit 5 with its position', async () => {
  const dir = writeTree({ 'site.yml': LISTED, 'inv.ini': INVENTORY, 'bad.yml': '- hosts: all\n  tasks:\n    - command: { argv: ["true"], nope: 1 }\n' });
  const ok = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--syntax-check'], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, '\nplaybook: site.yml\n');
  const bad = await tackle(['run', 'bad.yml', '--syntax-check'], { cwd: dir });
  assert.equal(bad.code, 5);
  assert.match(bad.stderr, /^bad\.yml:3:\d+: unknown field 'nope'/m);
});

/** Tags of the tasks, in order: each writes a file named after its task when it runs. */
const TAGGED = [
  ['plain', []],
  ['tagged-a', ['a']],
  ['never-only', ['never']],
  ['never-n1', ['never', 'n1']],
  ['always-t', ['always']],
  ['always-never', ['always', 'never']],
] as const;

// What ansible-core 2.14.18 selected for the same tasks (ansible-playbook --list-tasks with each option).
const ANSIBLE_SELECTION: [string[], string[]][] = [
  [[], ['plain', 'tagged-a', 'always-t', 'always-never']],
  [['--tags', 'never'], ['never-only', 'never-n1', 'always-t', 'always-never']],
  [['--tags', 'n1'], ['never-n1', 'always-t', 'always-never']],
  [['--tags', 'all'], ['plain', 'tagged-a', 'always-t', 'always-never']],
  [['--tags', 'a'], ['tagged-a', 'always-t', 'always-never']],
  [['--tags', 'tagged'], ['tagged-a', 'always-t', 'always-never']],
  [['--tags', 'untagged'], ['plain', 'always-t', 'always-never']],
  [['--skip-tags', 'always'], ['plain', 'tagged-a']],
  [['--skip-tags', 'all'], ['always-t', 'always-never']],
  [['--skip-tags', 'a'], ['plain', 'always-t', 'always-never']],
  [['--tags', 'n1', '--skip-tags', 'never'], ['always-t']],
  [['--skip-tags', 'tagged'], ['plain']],
  [['--tags', 'all', '--skip-tags', 'untagged'], ['tagged-a', 'always-t', 'always-never']],
];

test('tags never and always select the tasks Ansible runs, in real runs', async () => {
  const dir = writeTree({});
  const tasks = TAGGED.map(([name, tags]) => `    - name: ${name}\n      writeConfig: { path: "{{ out }}/${name}", text: "ran\\n", createDirs: true }\n      tags: [${tags.join(', ')}]\n`).join('');
  const dirs = writeTree({ 'site.yml': `- hosts: localhost\n  gather_facts: false\n  tasks:\n${tasks}` });
  for (const [options, expected] of ANSIBLE_SELECTION) {
    const out = join(dir, options.join('_') || 'none');
    const r = await tackle(['run', 'site.yml', '--no-progress', '-e', `out=${out}`, ...options], { cwd: dirs });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ran = TAGGED.map(([name]) => name).filter((name) => existsSync(join(out, name)));
    assert.deepEqual(ran, expected, `with ${options.join(' ') || 'no tag option'}`);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('--start-at-task skips earlier plays and tasks; a role task matches by its own name or a wildcard', async () => {
  const dir = writeTree({
    'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - { name: zero, writeConfig: { path: "{{ out }}/zero", text: "x\\n", createDirs: true } }
- hosts: localhost
  gather_facts: false
  roles: [web]
  tasks:
    - { name: three, writeConfig: { path: "{{ out }}/three", text: "x\\n", createDirs: true } }
- hosts: localhost
  gather_facts: false
  tasks:
    - { name: four, writeConfig: { path: "{{ out }}/four", text: "x\\n", createDirs: true } }
`,
    'roles/web/tasks/main.yml': '- { name: one, writeConfig: { path: "{{ out }}/one", text: "x\\n", createDirs: true } }\n- { name: two, writeConfig: { path: "{{ out }}/two", text: "x\\n", createDirs: true } }\n',
  });
  const ran = async (pattern: string): Promise<string[]> => {
    const out = join(dir, `out-${pattern.replace(/\W/g, '_')}`);
    const r = await tackle(['run', 'site.yml', '--no-progress', '-e', `out=${out}`, '--start-at-task', pattern], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return ['zero', 'one', 'two', 'three', 'four'].filter((n) => existsSync(join(out, n)));
  };
  assert.deepEqual(await ran('two'), ['two', 'three', 'four']);
  assert.deepEqual(await ran('web : one'), ['one', 'two', 'three', 'four']);
  assert.deepEqual(await ran('th*'), ['three', 'four']);
  const none = await tackle(['run', 'site.yml', '-e', `out=${join(dir, 'none')}`, '--start-at-task', 'five'], { cwd: dir });
  assert.equal(none.code, 5);
  assert.equal(none.stderr, "--start-at-task:1:1: no task of site.yml is named 'five'\n1 problem found; nothing was run.\n");
  assert.equal(existsSync(join(dir, 'none')), false);
});

test('--force-handlers runs the handlers a host was notified of before it failed', async () => {
  const dir = writeTree({
    'site.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - name: config
      writeConfig: { path: "{{ out }}/config", text: "x\\n", createDirs: true }
      notify: restart
    - name: breaks
      command: { argv: ["false"] }
  handlers:
    - name: restart
      writeConfig: { path: "{{ out }}/restarted", text: "x\\n", createDirs: true }
`,
  });
  const plain = await tackle(['run', 'site.yml', '--no-progress', '-e', `out=${join(dir, 'a')}`], { cwd: dir });
  assert.equal(plain.code, 2);
  assert.equal(existsSync(join(dir, 'a', 'config')), true);
  assert.equal(existsSync(join(dir, 'a', 'restarted')), false);
  const forced = await tackle(['run', 'site.yml', '--no-progress', '--force-handlers', '-e', `out=${join(dir, 'b')}`], { cwd: dir });
  assert.equal(forced.code, 2, forced.stdout);
  assert.equal(existsSync(join(dir, 'b', 'restarted')), true);
  assert.deepEqual(parseRecap(forced.stdout).get('localhost'), { ok: 2, changed: 2, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 0 });
});

test('--list-hosts shows a play that matches no host with its 0 hosts, where a run refuses it', async () => {
  const dir = writeTree({ 'site.yml': `- hosts: nosuchgroup\n  tasks:\n    - ${TRUE}\n`, 'inv.ini': INVENTORY });
  const listed = await tackle(['run', 'site.yml', '-i', 'inv.ini', '--list-hosts'], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, "\nplaybook: site.yml\n\n  play #1 (nosuchgroup): nosuchgroup\tTAGS: []\n    pattern: ['nosuchgroup']\n    hosts (0):\n");
  const run = await tackle(['run', 'site.yml', '-i', 'inv.ini'], { cwd: dir });
  assert.equal(run.code, 5);
});
