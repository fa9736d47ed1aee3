import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/task-harness.ts';
import { writeTree } from '../../helpers/fixture-files.ts';
import { startConnectionCounter } from '../../helpers/fuzz-run.ts';

/** `tackle validate` reads every template of every task before any host is contacted. */
describe('templates checked at validate time', () => {
  test('syntax errors, unknown filters, tests and lookups, and a literal mode that is no mode, each with its position', async () => {
    const dir = tempDir('tackle-h5-validate-');
    const pb = join(dir, 'site.yml');
    writeFileSync(
      pb,
      `- hosts: nowhere.invalid
  vars: { name: n, x: 1, a: true }
  tasks:
    - name: bad filter
      writeConfig: { path: /tmp/x, text: "{{ name | no_such_filter }}" }
    - name: bad syntax
      writeConfig: { path: /tmp/x, text: "{% for x in %}{% endfor %}" }
    - name: bad test
      writeConfig: { path: /tmp/x, text: "y" }
      when: x is frobnicated
    - name: bad mode
      writeConfig: { path: /tmp/x, text: "y", mode: "rwxrwxrwx!" }
    - name: bad lookup
      writeConfig: { path: /tmp/x, text: "{{ lookup('nope', 'x') }}" }
    - name: unclosed block
      writeConfig: { path: /tmp/x, text: "{% if a %}b" }
    - name: fine
      writeConfig: { path: /tmp/x, text: "{% for u in [1, 2] %}{{ u | string }}{% endfor %}{{ '%s' | format(1) }}" }
      when: "'a' is match('a') and groups.all | length > 0"
`,
    );
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    nowhere.invalid: { ansible_host: 192.0.2.1 }\n');
    const run = await tackle(['validate', pb, '-i', join(dir, 'hosts.yml')]);
    assert.equal(run.code, 5, run.stdout + run.stderr);
    const out = run.stdout + run.stderr;
    assert.match(out, new RegExp(`${pb}:5:42: unknown filter 'no_such_filter'`));
    assert.match(out, new RegExp(`${pb}:7:42: .*expression ends too early`));
    assert.match(out, new RegExp(`${pb}:10:13: unknown test 'frobnicated'`));
    assert.match(out, new RegExp(`${pb}:12:53: field 'mode' must match`));
    assert.match(out, new RegExp(`${pb}:14:42: unknown lookup 'nope'`));
    assert.match(out, new RegExp(`${pb}:16:42: .*expected \\{% endif %\\}`));
    assert.match(out, /6 problems found; nothing was run/);
  });
});

describe('validate reads every template of the playbook, its roles, included files, vars files and template files', () => {
  test('syntax, filters, tests, functions, lookups, undefined variables and literal values, in tasks, blocks, roles, included files, vars files and template files: each at its FILE:LINE:COL, exit 5, no host contacted by validate or run', async (t) => {
    const counter = await startConnectionCounter();
    t.after(() => counter.close());
    const dir = writeTree({
      'hosts.yml': `all:\n  hosts:\n    web1: { ansible_host: 127.0.0.1, ansible_port: ${counter.port}, ansible_user: nobody, site_root: /srv/site }\n`,
      'site.yml': `- hosts: web1
  vars_files: [vars.yml]
  roles: [web]
  tasks:
    - name: unknown filter
      command: { argv: [echo, "{{ site_root | no_such_filter }}"] }
    - name: unknown test
      command: { argv: ["true"] }
      when: site_root is frobnicated
    - name: unknown function and lookup
      command: { argv: [echo, "{{ frob(1) }}", "{{ lookup('nope', 'x') }}"] }
    - name: a variable nothing defines
      command: { argv: [echo, "{{ site_rot }}"] }
    - name: item outside a loop
      command: { argv: [echo, "{{ item }}"] }
    - name: a mode that is no mode
      directory: { path: /srv/x, mode: "rwxrwxrwx!" }
    - block:
        - command: { argv: ["true"] }
      when: site_root is nonsense
    - include_tasks: more.yml
    - name: template file
      template: { src: page.j2, dest: /srv/page.html }
    - name: broken template file
      template: { src: broken.j2, dest: /srv/broken.html }
    - name: fine
      command: { argv: [echo, "{{ item }}", "{{ out.stdout }}", "{{ maybe | default('x') }}", "{{ ansible_facts.hostname }}", "{{ port }}", "{{ web_port }}"] }
      loop: [1, 2]
      register: out
      when: other is defined and other
`,
      'vars.yml': `port: "{{ site_root | bad_vars_filter }}"\nunused: "{{ nobody_reads_me }}"\n`,
      'more.yml': `- name: included\n  command: { argv: [echo, "{% if %}"] }\n`,
      'templates/page.j2': `<h1>{{ site_root }}</h1>\n{% for p in pages %}{{ p }}{{ loop.index }}{% endfor %}\n{{ title | upper }}\n`,
      'templates/broken.j2': `fine {{ site_root }}\n{% endfor %}\n`,
      'roles/web/defaults/main.yml': `web_port: 8080\n`,
      'roles/web/tasks/main.yml': `- name: role task\n  command: { argv: [echo, "{{ web_prot }}"] }\n`,
    });
    const pb = join(dir, 'site.yml');
    const at = (file: string, line: number, col: number, message: string): RegExp =>
      new RegExp(`^${join(dir, file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${col}: ${message}`, 'm');
    const expected = [
      at('site.yml', 6, 31, "unknown filter 'no_such_filter'"),
      at('site.yml', 9, 13, "unknown test 'frobnicated'"),
      at('site.yml', 11, 31, "unknown function 'frob\\(\\)'"),
      at('site.yml', 11, 48, "unknown lookup 'nope'"),
      at('site.yml', 13, 31, "variable 'site_rot' is not defined: .* \\(did you mean 'site_root'\\?\\)"),
      at('site.yml', 15, 31, "variable 'item' is not defined"),
      at('site.yml', 17, 40, "field 'mode' must match"),
      at('site.yml', 20, 13, "unknown test 'nonsense'"),
      at('vars.yml', 1, 7, "unknown filter 'bad_vars_filter'"),
      at('more.yml', 2, 27, '.*expression ends too early'),
      at('templates/page.j2', 2, 1, "variable 'pages' is not defined"),
      at('templates/page.j2', 3, 1, "variable 'title' is not defined"),
      at('templates/broken.j2', 2, 1, 'unsupported statement \\{% endfor %\\}'),
      at('roles/web/tasks/main.yml', 2, 27, "variable 'web_prot' is not defined: .* \\(did you mean 'web_port'\\?\\)"),
    ];
    for (const command of ['validate', 'run']) {
      const r = await tackle([command, pb, '-i', join(dir, 'hosts.yml'), '--no-progress'].filter((a) => command === 'run' || a !== '--no-progress'));
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 5, out);
      for (const re of expected) assert.match(out, re, `${command}: ${re}`);
      assert.match(out, new RegExp(`^${expected.length} problems found; nothing was run`, 'm'), out);
      assert.doesNotMatch(out, /nobody_reads_me|'(out|maybe|other|port|web_port|p|loop)' is not defined/);
    }
    assert.equal(counter.count(), 0, 'no connection to the inventory host');
  });
});
