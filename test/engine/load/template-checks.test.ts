import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/task-harness.ts';

/** `tackle validate` reads every template of every task before any host is contacted. */
describe('templates checked at validate time', () => {
  test('syntax errors, unknown filters, tests and lookups, and a literal mode that is no mode, each with its position', async () => {
    const dir = tempDir('tackle-h5-validate-');
    const pb = join(dir, 'site.yml');
    writeFileSync(
      pb,
      `- hosts: nowhere.invalid
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
    assert.match(out, new RegExp(`${pb}:4:42: unknown filter 'no_such_filter'`));
    assert.match(out, new RegExp(`${pb}:6:42: .*expression ends too early`));
    assert.match(out, new RegExp(`${pb}:9:13: unknown test 'frobnicated'`));
    assert.match(out, new RegExp(`${pb}:11:53: field 'mode' must match`));
    assert.match(out, new RegExp(`${pb}:13:42: unknown lookup 'nope'`));
    assert.match(out, new RegExp(`${pb}:15:42: .*expected \\{% endif %\\}`));
    assert.match(out, /6 problems found; nothing was run/);
  });
});
