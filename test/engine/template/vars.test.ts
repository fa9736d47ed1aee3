import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InventoryHost, Play } from '../../../engine/model.ts';
import { localInventory } from '../../../engine/load/inventory.ts';
import { renderString, UndefinedVariableError } from '../../../engine/template/template.ts';
import { buildHostScope, RecursiveVariableError, VarScope } from '../../../engine/template/vars.ts';

function play(vars: Record<string, unknown>, defaults: Record<string, unknown> = {}): Play {
  return {
    name: 'p', hosts: 'all', pos: { file: join('/srv', 'books', 'site.yml'), line: 1, col: 3 }, defaults, vars, varsFiles: [],
    tasks: [], handlers: [], tags: [], anyErrorsFatal: false, strategy: 'linear',
  };
}

describe('variable precedence', () => {
  const inventory = localInventory();
  const host: InventoryHost = { ...inventory.hosts.get('localhost')!, vars: { ansible_connection: 'local', level: 'inventory', inv_only: 1 } };
  const scopeWith = (layers: { defaults?: object; play?: object; files?: object; registered?: object; extra?: object }) =>
    buildHostScope({
      host,
      inventory,
      play: play({ ...(layers.play ?? {}) }, { ...(layers.defaults ?? {}) }),
      playVarsFiles: { ...(layers.files ?? {}) },
      registered: { ...(layers.registered ?? {}) },
      extraVars: { ...(layers.extra ?? {}) },
    });

  test('play defaults < inventory < play vars < vars_files < registered < extra vars', () => {
    assert.equal(scopeWith({}).lookup('level'), 'inventory');
    assert.equal(scopeWith({ defaults: { level: 'default' } }).lookup('level'), 'inventory');
    assert.equal(scopeWith({ defaults: { only_default: 'd' } }).lookup('only_default'), 'd');
    assert.equal(scopeWith({ play: { level: 'play' } }).lookup('level'), 'play');
    assert.equal(scopeWith({ play: { level: 'play' }, files: { level: 'file' } }).lookup('level'), 'file');
    assert.equal(scopeWith({ files: { level: 'file' }, registered: { level: 'reg' } }).lookup('level'), 'reg');
    assert.equal(scopeWith({ registered: { level: 'reg' }, extra: { level: 'extra' } }).lookup('level'), 'extra');
    assert.equal(scopeWith({ extra: { level: 'extra' } }).lookup('inv_only'), 1);
  });

  test('magic variables', () => {
    const s = scopeWith({ extra: { inventory_hostname: 'spoofed' } });
    assert.equal(s.lookup('inventory_hostname'), 'localhost');
    assert.deepEqual(s.lookup('group_names'), []);
    assert.deepEqual(s.lookup('groups'), { all: ['localhost'], ungrouped: ['localhost'] });
    assert.equal(s.lookup('playbook_dir'), join('/srv', 'books'));
  });

  test('registered results are not templated again', () => {
    const s = scopeWith({ registered: { out: { stdout: 'literal {{ braces }}' } } });
    assert.deepEqual(s.lookup('out'), { stdout: 'literal {{ braces }}' });
  });

  test('a lower layer may be referenced by a higher one, resolved at the final precedence', () => {
    const s = scopeWith({ play: { base: '/opt', dir: '{{ base }}/app' }, extra: { base: '/custom' } });
    assert.equal(s.lookup('dir'), '/custom/app');
  });
});

describe('lazy resolution', () => {
  test('variables referencing variables, any order, keeping types', () => {
    const s = VarScope.fromLayers([{ vars: { a: '{{ b }}/x', b: '{{ c }}', c: '/root', n: '{{ m }}', m: [1, 2] } }]);
    assert.equal(s.lookup('a'), '/root/x');
    assert.deepEqual(s.lookup('n'), [1, 2]);
    assert.equal(renderString('{{ a }}-{{ n | length }}', s), '/root/x-2');
  });

  test('a recursive definition is a clear error, not a stack overflow', () => {
    const s = VarScope.fromLayers([{ vars: { a: '{{ b }}', b: 'x{{ c }}', c: '{{ a }}' } }]);
    assert.throws(() => s.lookup('a'), (e: unknown) => e instanceof RecursiveVariableError && e.message === 'recursive variable definition: a -> b -> c -> a');
    const self = VarScope.fromLayers([{ vars: { path: '{{ path }}/bin' } }]);
    assert.throws(() => self.lookup('path'), /recursive variable definition: path -> path/);
  });

  test('an undefined variable inside another names the missing one', () => {
    const s = VarScope.fromLayers([{ vars: { a: 'x-{{ nowhere }}' } }]);
    assert.throws(() => s.lookup('a'), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'nowhere');
  });

  test('extend adds variables on top', () => {
    const s = VarScope.fromLayers([{ vars: { a: '{{ item }}!' } }]).extend({ item: 'x' });
    assert.equal(s.lookup('a'), 'x!');
  });
});

describe('omit', () => {
  test('a parameter that templates to omit is left out, at any depth', async () => {
    const { OMIT, stripOmitted } = await import('../../../engine/template/vars.ts');
    assert.deepEqual(stripOmitted({ a: 1, b: OMIT, c: { d: OMIT, e: [1, OMIT, 2] } }), { a: 1, c: { e: [1, 2] } });
  });
});
