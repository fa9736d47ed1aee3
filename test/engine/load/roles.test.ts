import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../../helpers/cli.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

// Roles (defaults, vars, handlers, a template from the role's templates/) run by the real CLI over the local connection. The variable precedence and the once-per-play
// rule were checked with ansible-playbook (ansible-core 2.14) on the same role layout with debug tasks:
// role vars beat play vars, play vars beat role defaults, role params beat both, a dependency runs
// once, and the same role with other params runs again.

const WEB_ROLE = {
  'roles/web/defaults/main.yml': 'web_port: 80\ngreeting: hello\ncolor: blue\n',
  'roles/web/vars/main.yml': 'greeting: from-role-vars\n',
  'roles/web/meta/main.yml': 'dependencies: [base]\n',
  'roles/web/tasks/main.yml': `- name: config
  writeConfig:
    path: "{{ out }}/web-{{ web_port }}.conf"
    text: "{{ greeting }} {{ color }} {{ web_port }} {{ role_name }}\\n"
  notify: restart web
- name: from the role's template
  template: { src: site.conf.j2, dest: "{{ out }}/site-{{ web_port }}.conf" }
  notify: restart web
- import_tasks: extra.yml
`,
  'roles/web/templates/site.conf.j2': 'listen {{ web_port }}\n{% for c in [color, greeting] %}{{ c }}\n{% endfor %}',
  'roles/web/tasks/extra.yml': `- name: extra
  command: { argv: [sh, -c, 'echo "$1" >> "$2"', x, "web {{ web_port }}", "{{ out }}/order"] }
`,
  'roles/web/handlers/main.yml': `- name: restart web
  command: { argv: [sh, -c, 'echo restarted >> "$1"', x, "{{ out }}/restarts"] }
`,
  'shared-roles/base/tasks/main.yml': `- name: base
  command: { argv: [sh, -c, 'echo base >> "$1"', x, "{{ out }}/order"] }
`,
};

describe('roles', () => {
  test('defaults, vars, params, meta dependencies, handlers and roles_path from ansible.cfg', async () => {
    const dir = writeTree({
      ...WEB_ROLE,
      'ansible.cfg': '[defaults]\nroles_path = ./shared-roles\n',
      'site.yml': `- hosts: localhost
  gather_facts: false
  vars: { color: red, greeting: from-play, out: "{{ playbook_dir }}" }
  roles:
    - { role: web, web_port: 9090 }
    - web
    - { role: web, web_port: 9090 }
`,
    });
    const r = await tackle(['run', join(dir, 'site.yml')], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(dir, 'web-9090.conf'), 'utf8'), 'from-role-vars red 9090 web\n');
    assert.equal(readFileSync(join(dir, 'web-80.conf'), 'utf8'), 'from-role-vars red 80 web\n');
    assert.equal(readFileSync(join(dir, 'order'), 'utf8'), 'base\nweb 9090\nweb 80\n');
    assert.equal(readFileSync(join(dir, 'site-9090.conf'), 'utf8'), 'listen 9090\nred\nfrom-role-vars\n');
    assert.equal(readFileSync(join(dir, 'restarts'), 'utf8'), 'restarted\n', 'the handler ran once');
    assert.match(r.stdout, /TASK \[web : config\]/);
    assert.equal(parseRecap(r.stdout).get('localhost')?.failed, 0);

    const again = await tackle(['run', join(dir, 'site.yml')], { cwd: dir });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(readFileSync(join(dir, 'restarts'), 'utf8'), 'restarted\n', 'nothing changed, no handler');
  });

  test('import_role and include_role with tasks_from; ANSIBLE_ROLES_PATH; include_role when evaluated once', async () => {
    const dir = writeTree({
      ...WEB_ROLE,
      'roles/web/tasks/other.yml': `- name: other
  command: { argv: [sh, -c, 'echo other >> "$1"', x, "{{ out }}/order"] }
`,
      'site.yml': `- hosts: localhost
  gather_facts: false
  vars: { out: "{{ playbook_dir }}" }
  tasks:
    - import_role: { name: web, tasks_from: other }
    - include_role: { name: web, tasks_from: other }
      when: false
    - include_role: { name: base }
`,
    });
    const r = await tackle(['run', join(dir, 'site.yml')], { cwd: dir, env: { ANSIBLE_ROLES_PATH: join(dir, 'shared-roles') } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(dir, 'order'), 'utf8'), 'base\nother\nbase\n');
  });

  test('a missing role is a load error at the roles entry, naming where it looked', async () => {
    const dir = writeTree({ 'site.yml': '- hosts: localhost\n  roles:\n    - nosuch\n' });
    const r = await tackle(['validate', join(dir, 'site.yml')], { cwd: dir });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /site\.yml:3:7: role 'nosuch' not found in: .*roles/);
  });
});
