import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/task-harness.ts';

const TEMPLATE = `# {{ ansible_managed | default('managed by tackle') }}
{% set port = base_port + 1 %}
listen {{ port }}
{% for u in users %}
user {{ u.name }}{% if u.admin %} admin{% endif %}

{% endfor %}
{%- if extra is defined %}
extra {{ extra | upper }}
{% endif %}
`;

function project(): { dir: string; dest: string } {
  const dir = tempDir('tackle-h5-template-');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'app.conf.j2'), TEMPLATE);
  const dest = join(dir, 'out', 'app.conf');
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: localhost
  vars:
    base_port: 8080
    users: [{ name: alice, admin: true }, { name: bob, admin: false }]
  tasks:
    - name: app config
      template: { src: app.conf.j2, dest: "${dest}", mode: "0640", createDirs: true }
`,
  );
  return { dir, dest };
}

describe('template task', () => {
  test('renders templates/ of the playbook onto the host, then changes nothing', async () => {
    const { dir, dest } = project();
    const first = await tackle(['run', join(dir, 'site.yml'), '--no-progress']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(readFileSync(dest, 'utf8'), '# managed by tackle\nlisten 8081\nuser alice admin\nuser bob\n');
    assert.equal(statSync(dest).mode & 0o777, 0o640);
    assert.equal(parseRecap(first.stdout).get('localhost')?.['changed'], 1);
    const second = await tackle(['run', join(dir, 'site.yml'), '--no-progress']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(parseRecap(second.stdout).get('localhost')?.['changed'], 0);
  });

  test('--check --diff shows the rendered change and writes nothing', async () => {
    const { dir, dest } = project();
    assert.equal((await tackle(['run', join(dir, 'site.yml'), '--no-progress'])).code, 0);
    const check = await tackle(['run', join(dir, 'site.yml'), '--no-progress', '--check', '--diff', '-e', 'extra=yes-please']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^\+extra YES-PLEASE$/m);
    assert.equal(parseRecap(check.stdout).get('localhost')?.['changed'], 1);
    assert.doesNotMatch(readFileSync(dest, 'utf8'), /extra/);
  });

  test('an undefined variable in the template is found before any host, at its line in the file', async () => {
    const { dir } = project();
    const file = join(dir, 'templates', 'app.conf.j2');
    writeFileSync(file, 'listen {{ base_port }}\nx {{ nowhere_defined }}\n');
    const run = await tackle(['run', join(dir, 'site.yml'), '--no-progress']);
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^${file}:2:1: variable 'nowhere_defined' is not defined`, 'm'));
  });

  test('a template named by a variable is read when the task runs: an undefined variable in it fails the task and names it', async () => {
    const { dir } = project();
    writeFileSync(join(dir, 'templates', 'app.conf.j2'), 'x {{ nowhere_defined }}\n');
    writeFileSync(join(dir, 'site.yml'), readFileSync(join(dir, 'site.yml'), 'utf8').replace('src: app.conf.j2', 'src: "{{ name }}.conf.j2"').replace('  vars:\n', '  vars:\n    name: app\n'));
    const run = await tackle(['run', join(dir, 'site.yml'), '--no-progress']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /nowhere_defined/);
  });
});
