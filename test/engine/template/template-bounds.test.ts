import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderString } from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';
import { MAX_BLOCK_DEPTH } from '../../../engine/template/document.ts';
import { MAX_LOOP_ITERATIONS, MAX_TEMPLATE_SIZE } from '../../../engine/template/size-limit.ts';
import { tackle } from '../../helpers/cli.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

const scope = VarScope.fromLayers([{ vars: { flag: true } }]);

/** `levels` blocks inside each other, each opening on its own line after two letters. */
function nested(levels: number, open = '{% if flag %}', close = '{% endif %}'): string {
  return `${`ab${open}\n`.repeat(levels)}x\n${`${close}\n`.repeat(levels)}`;
}

/** Two nested loops over ranges, each printing a line: about 8 GB of text unless rendering stops early. */
const GIGABYTES = '{% for a in range(100000) %}{% for b in range(100000) %}{{ a }} {{ b }} a line of text to fill the output quickly\n{% endfor %}{% endfor %}\n';
/** Loops that print nothing but would run 10^10 times. */
const IDLE_LOOPS = '{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}done\n';

/** A heap far below what the unbounded text would take: running out of it crashes the process instead of failing the task. */
const SMALL_HEAP = { NODE_OPTIONS: '--max-old-space-size=768' };

function play(tasks: string): string {
  return `- hosts: localhost\n  gather_facts: false\n  vars:\n    flag: true\n  tasks:\n${tasks}`;
}

describe('template nesting and output bounds', () => {
  test(`blocks nested up to ${MAX_BLOCK_DEPTH} levels render; one more is a syntax error at its line and column, not a stack overflow`, () => {
    const rendered = `${'ab'.repeat(MAX_BLOCK_DEPTH)}x\n`;
    assert.equal(renderString(nested(MAX_BLOCK_DEPTH), scope), rendered);
    assert.equal(renderString(nested(MAX_BLOCK_DEPTH, '{% for i in [1] %}', '{% endfor %}'), scope), rendered);
    const tooDeep = { name: 'TemplateSyntaxError', message: new RegExp(`^line ${MAX_BLOCK_DEPTH + 1}, column 3: \\{% if %\\} nested more than ${MAX_BLOCK_DEPTH} blocks deep`) };
    assert.throws(() => renderString(nested(MAX_BLOCK_DEPTH + 1), scope), tooDeep);
    assert.throws(() => renderString(nested(50_000), scope), tooDeep);
    const mixed = '{% for i in [1] %}{% if flag %}'.repeat(10_000);
    assert.throws(() => renderString(mixed, scope), { name: 'TemplateSyntaxError', message: /^line 1, column \d+: \{% for %\} nested more than/ });
  });

  test('validate reports a deeply nested template file and inline template at FILE:LINE:COL (exit 5), before any host', async () => {
    const dir = writeTree({
      'templates/deep.j2': `header\n${nested(5000)}`,
      'templates/fine.j2': nested(MAX_BLOCK_DEPTH),
      'site.yml': play(
        `    - name: deep file\n      template: { src: deep.j2, dest: /nonexistent-dir/deep.out }\n` +
          `    - name: fine file\n      template: { src: fine.j2, dest: /nonexistent-dir/fine.out }\n` +
          `    - name: deep inline\n      command:\n        argv: [echo, "${'{% for i in [1] %}'.repeat(3000)}x${'{% endfor %}'.repeat(3000)}"]\n`,
      ),
    });
    for (const command of ['validate', 'run']) {
      const result = await tackle([command, 'site.yml', '--no-progress'], { cwd: dir });
      assert.equal(result.code, 5, `${command}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^templates/deep\\.j2:${MAX_BLOCK_DEPTH + 2}:3: \\{% if %\\} nested more than ${MAX_BLOCK_DEPTH} blocks deep`, 'm'));
      assert.match(result.stderr, new RegExp(`^site\\.yml:12:22: line 1, column ${18 * MAX_BLOCK_DEPTH + 1}: \\{% for %\\} nested more than ${MAX_BLOCK_DEPTH} blocks deep`, 'm'));
      assert.doesNotMatch(result.stderr, /fine\.j2|call stack|internal error/);
      assert.equal(result.stderr.trim().split('\n').filter((l) => /nested more than/.test(l)).length, 2, result.stderr);
    }
  });

  test('a template file named by a variable is checked when the task runs: its nesting fails the task at FILE:LINE:COL (exit 2)', async () => {
    const dir = writeTree({
      'templates/deep.j2': nested(1000),
      'site.yml': `- hosts: localhost\n  gather_facts: false\n  vars:\n    which: deep\n  tasks:\n` +
        `    - name: deep by name\n      template: { src: "{{ which }}.j2", dest: /nonexistent-dir/deep.out }\n`,
    });
    const run = await tackle(['run', 'site.yml', '--no-progress'], { cwd: dir });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`failed: \\[localhost\\]: .*deep\\.j2:${MAX_BLOCK_DEPTH + 1}:3: \\{% if %\\} nested more than ${MAX_BLOCK_DEPTH} blocks deep.*\\(task 'deep by name' at site\\.yml:6:7\\)`));
    assert.doesNotMatch(run.stdout + run.stderr, /call stack|internal error/);
  });

  test('a loop that would print gigabytes stops at the output limit with bounded memory; loops that print nothing stop at the iteration limit', async () => {
    const dir = writeTree({
      'templates/huge.j2': GIGABYTES,
      'templates/idle.j2': IDLE_LOOPS,
      'templates/small.j2': '{% for a in range(300) %}{% for b in range(300) %}{{ a * b }},{% endfor %}\n{% endfor %}',
    });
    const out = (name: string) => join(dir, `${name}.out`);
    const task = (name: string) => `    - name: ${name}\n      template: { src: ${name}.j2, dest: "${out(name)}" }\n      ignore_errors: true\n`;
    writeFileSync(join(dir, 'site.yml'), play(task('huge') + task('idle') + task('small')));
    const run = await tackle(['run', 'site.yml', '--no-progress'], { cwd: dir, env: SMALL_HEAP });
    assert.equal(run.code, 0, `all failures ignored, the process survives: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, new RegExp(`failed \\(ignored\\): \\[localhost\\]: the rendered text would be larger than ${MAX_TEMPLATE_SIZE} characters .*look for loops nested over large lists or ranges.*\\(task 'huge' at site\\.yml:6:7\\)`));
    assert.match(run.stdout, new RegExp(`failed \\(ignored\\): \\[localhost\\]: the template's loops would run more than ${MAX_LOOP_ITERATIONS} times .*\\(task 'idle' at site\\.yml:9:7\\)`));
    assert.match(run.stdout, /TASK \[small\] \(template\)  1 changed/);
    assert.equal(existsSync(out('huge')), false);
    assert.equal(existsSync(out('idle')), false);
    assert.ok(existsSync(out('small')));
  });
});
