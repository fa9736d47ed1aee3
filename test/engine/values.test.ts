import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globToRegExp } from '../../engine/glob.ts';
import { renderString } from '../../engine/template/template.ts';
import { VarScope } from '../../engine/template/vars.ts';
import { asBool, isPlainObject, kindOf } from '../../engine/values.ts';

describe('plain-data helpers (one definition each)', () => {
  test('asBool is Ansible\'s bool filter: true/yes/on/1 and the number 1, nothing else', () => {
    for (const v of [true, 'true', 'Yes', 'ON', '1', 1]) assert.equal(asBool(v), true, String(v));
    for (const v of [false, 'false', 'no', 'off', '0', 'y', 'hello', '', 0, 2, null, undefined, [1], { a: 1 }]) {
      assert.equal(asBool(v), false, JSON.stringify(v));
    }
    const scope = VarScope.fromLayers([{ vars: {} }]);
    assert.equal(renderString('{{ "y" | bool }}', scope), false);
    assert.equal(renderString('{{ 2 | bool }}', scope), false);
  });

  test('isPlainObject: maps of data only', () => {
    assert.equal(isPlainObject({ a: 1 }), true);
    assert.equal(isPlainObject(Object.create(null)), true);
    for (const v of [null, [], 'x', 1, new Date(0), new Map()]) assert.equal(isPlainObject(v), false, String(v));
  });

  test('kindOf names an empty YAML value "empty"', () => {
    assert.deepEqual([[], {}, null, 'x', 3].map(kindOf), ['a list', 'a map', 'empty', 'a string', 'a number']);
  });

  test('globToRegExp: classes only when asked, case only when asked', () => {
    assert.equal(globToRegExp('web[0-2]', { classes: true }).test('web1'), true);
    assert.equal(globToRegExp('web[!0-2]', { classes: true }).test('web1'), false);
    assert.equal(globToRegExp('[h]:22').test('[h]:22'), true);
    assert.equal(globToRegExp('*.Example.org', { ignoreCase: true }).test('a.example.ORG'), true);
    assert.equal(globToRegExp('a?c').test('abc'), true);
    assert.equal(globToRegExp('a.c').test('abc'), false);
  });
});
