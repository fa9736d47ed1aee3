import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderString } from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';
import { MAX_EXPRESSION_DEPTH } from '../../../engine/template/expression.ts';
import { MAX_TEMPLATE_SIZE } from '../../../engine/template/size-limit.ts';
import { tackle } from '../../helpers/cli.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

const scope = (vars: Record<string, unknown>) => VarScope.fromLayers([{ vars }]);
const TOO_LARGE = { name: 'TemplateTooLargeError', message: new RegExp(`larger than ${MAX_TEMPLATE_SIZE} characters`) };

describe('template size and depth limits', () => {
  test('a value that doubles itself is refused at the limit, whichever operation grows it', () => {
    const vars: Record<string, unknown> = { l0: [1, 2], s0: 'ab' };
    for (let i = 1; i <= 40; i++) {
      vars[`l${i}`] = `{{ l${i - 1} + l${i - 1} }}`;
      vars[`n${i}`] = i === 1 ? '{{ [l0, l0] }}' : `{{ [n${i - 1}, n${i - 1}] }}`;
      vars[`s${i}`] = `{{ s${i - 1} ~ s${i - 1} }}`;
    }
    const s = scope(vars);
    assert.throws(() => renderString('{{ l40 | length }}', s), TOO_LARGE);
    assert.throws(() => renderString('{{ n40 | length }}', s), TOO_LARGE, 'shared lists count every time they appear');
    assert.throws(() => renderString('{{ s40 | length }}', s), TOO_LARGE);
    assert.throws(() => renderString("{{ 'x' * 100000000 }}", s), TOO_LARGE);
    assert.throws(() => renderString('{{ [1] * 100000000 }}', s), TOO_LARGE);
    assert.equal(renderString('{{ l20 | length }}', s), 2 ** 21, 'below the limit nothing changes');
  });

  test(`expressions nested deeper than ${MAX_EXPRESSION_DEPTH} levels are a syntax error, not a stack overflow`, () => {
    const s = scope({});
    const deep = (n: number) => `{{ ${'('.repeat(n)}1${')'.repeat(n)} }}`;
    assert.equal(renderString(deep(50), s), 1);
    for (const expr of [deep(1000), `{{ ${'not '.repeat(5000)}true }}`, `{{ ${'-'.repeat(5000)}1 }}`, `{{ ${Array(20000).fill('1').join(' + ')} }}`, `{{ ${'['.repeat(3000)}${']'.repeat(3000)} }}`]) {
      assert.throws(() => renderString(expr, s), { name: 'TemplateSyntaxError', message: /nested more than 100 levels deep/ });
    }
  });

  test('validate finds deep nesting and circular aliases with FILE:LINE:COL; a doubling playbook fails its task (exit 2), the process survives', async () => {
    const deep = `${'('.repeat(1000)}1${')'.repeat(1000)}`;
    const doubling = Array.from({ length: 40 }, (_, i) => `    l${i + 1}: "{{ l${i} + l${i} }}"`).join('\n');
    const dir = writeTree({
      'deep.yml': `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: deep\n      command:\n        argv: [echo, "{{ ${deep} }}"]\n`,
      'alias.yml': '- hosts: localhost\n  gather_facts: false\n  vars:\n    loop: &a [1, *a]\n  tasks: []\n',
      'inv.yml': 'all:\n  vars:\n    x: &b {k: *b}\n  hosts:\n    h1:\n',
      'double.yml': `- hosts: localhost\n  gather_facts: false\n  vars:\n    l0: [1, 2]\n${doubling}\n  tasks:\n    - name: big\n      command:\n        argv: [echo, "{{ l40 | length }}"]\n`,
    });
    const deepRun = await tackle(['validate', 'deep.yml'], { cwd: dir });
    assert.equal(deepRun.code, 5, deepRun.stdout + deepRun.stderr);
    assert.match(deepRun.stderr, /^deep\.yml:6:22: .*expression nested more than 100 levels deep/m);
    const alias = await tackle(['validate', 'alias.yml'], { cwd: dir });
    assert.equal(alias.code, 5);
    assert.match(alias.stderr, /^alias\.yml:4:18: YAML alias inside the value it names \(a circular alias\)/m);
    const inventory = await tackle(['validate', 'alias.yml', '-i', 'inv.yml'], { cwd: dir });
    assert.match(inventory.stderr, /^inv\.yml:3:15: YAML alias inside the value it names/m);
    const doubled = await tackle(['run', 'double.yml', '--no-progress', '--report', 'r.json'], { cwd: dir });
    assert.equal(doubled.code, 2, doubled.stdout + doubled.stderr);
    assert.match(doubled.stdout, /failed: \[localhost\]: '\+' would be larger than 67108864 characters .*\(task 'big' at double\.yml:46:7\)/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).hosts.localhost.failed, 1);
  });
});
