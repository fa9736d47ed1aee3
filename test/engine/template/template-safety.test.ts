import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderString, TemplateError, UndefinedVariableError } from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';

/** Templates reach data only: no JavaScript prototype, constructor or function is reachable. */
const scope = VarScope.fromLayers([{ vars: { s: 'text', l: [1, 2], m: { a: 1 }, evil: JSON.parse('{"__proto__": {"polluted": 1}}') } }]);
const r = (t: string): unknown => renderString(t, scope);

describe('template safety', () => {
  for (const t of ["{{ s.constructor }}", "{{ l.constructor }}", "{{ m.__proto__ }}", "{{ m['constructor'] }}", "{{ s.__class__ }}", "{{ m.toString }}", "{{ l.push }}"]) {
    test(`${t} is undefined, not a JavaScript object`, () => {
      assert.throws(() => r(t), UndefinedVariableError);
    });
  }
  for (const t of ["{{ s.__class__.mro() }}", "{{ s.constructor('return 1')() }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ m.hasOwnProperty('a') }}", "{{ s.toString() }}", "{{ l.push(3) }}"]) {
    test(`${t} cannot call anything`, () => {
      assert.throws(() => r(t), (e: unknown) => e instanceof TemplateError || e instanceof UndefinedVariableError || (e instanceof Error && e.name === 'TemplateSyntaxError'));
    });
  }
  test('unknown global functions are refused', () => {
    assert.throws(() => r("{{ eval('1') }}"), TemplateError);
    assert.throws(() => r("{{ require('fs') }}"), TemplateError);
  });
  test('a __proto__ key stays an ordinary key through combine, dict and dict literals', () => {
    assert.deepEqual(Object.getPrototypeOf(r('{{ {} | combine(evil) }}')), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const built = r("{{ dict([['__proto__', {'x': 1}]]) }}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(built), ['__proto__']);
    assert.equal(Object.getPrototypeOf(built), Object.prototype);
    const literal = r("{{ {'__proto__': 5} }}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(literal), ['__proto__']);
  });
});
