import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import {
  evaluateCondition,
  FILTERS,
  renderString,
  renderValue,
  TemplateSyntaxError,
  UndefinedVariableError,
} from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';

const scope = VarScope.fromLayers([
  {
    vars: {
      name: 'World',
      port: 8443,
      ratio: 0.5,
      enabled: true,
      empty: '',
      nothing: null,
      sans: ['a.example', 'b.example'],
      cfg: { dir: '/etc/app', list: [1, 2, 3], 'dash-key': 'dk' },
      b64: 'aGVsbG8=',
      padded: '  padded  ',
      path: '/srv/data/file.txt',
      numstr: '42',
      result: { changed: true, failed: false },
    },
  },
]);

const r = (s: string): unknown => renderString(s, scope);

describe('template rendering', () => {
  test('a lone expression keeps the type of its value', () => {
    assert.deepEqual(r('{{ sans }}'), ['a.example', 'b.example']);
    assert.equal(r('{{ port }}'), 8443);
    assert.equal(r('  {{ enabled }} '), true);
    assert.deepEqual(r('{{ cfg }}'), { dir: '/etc/app', list: [1, 2, 3], 'dash-key': 'dk' });
    assert.equal(r('{{ nothing }}'), null);
  });

  test('mixed text becomes a string', () => {
    assert.equal(r('Hello {{ name }}!'), 'Hello World!');
    assert.equal(r('port={{ port }} on={{ enabled }}'), 'port=8443 on=true');
    assert.equal(r('{{ name }}{{ port }}'), 'World8443');
    assert.equal(r('list: {{ cfg.list }}'), 'list: [1,2,3]');
  });

  test('paths: dots, indexes, quoted keys, negative index', () => {
    assert.equal(r('{{ cfg.dir }}'), '/etc/app');
    assert.equal(r('{{ sans[1] }}'), 'b.example');
    assert.equal(r("{{ cfg['dash-key'] }}"), 'dk');
    assert.equal(r('{{ cfg.list.0 }}'), 1);
    assert.equal(r('{{ cfg.list[-1] }}'), 3);
  });

  test('literals', () => {
    assert.deepEqual(r("{{ [1, 'two', true, none] }}"), [1, 'two', true, null]);
    assert.deepEqual(r("{{ {'a': 1} }}"), { a: 1 });
    assert.equal(r('{{ "x\\"y" }}'), 'x"y');
    assert.equal(r('{{ -3 }}'), -3);
  });

  test('renderValue goes deep and leaves keys alone', () => {
    const out = renderValue({ '{{ name }}': ['{{ port }}', { inner: 'p={{ port }}' }], n: 5 }, scope);
    assert.deepEqual(out, { '{{ name }}': [8443, { inner: 'p=8443' }], n: 5 });
  });

  test('raw blocks and quoted braces stay text', () => {
    assert.equal(r('{% raw %}{{.State}}{% endraw %}'), '{{.State}}');
    assert.equal(r("{{ '{{.State}}' }}"), '{{.State}}');
  });

  test('an undefined variable is an error that names it', () => {
    assert.throws(() => r('x={{ missing_var }}'), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'missing_var' && /missing_var/.test(e.message));
    assert.throws(() => r('{{ cfg.nope }}'), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'cfg.nope');
    assert.throws(() => r('{{ sans[5] }}'), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'sans[5]');
  });

  test('syntax errors are reported, not evaluated', () => {
    assert.throws(() => r('{{ name | }}'), TemplateSyntaxError);
    assert.throws(() => r('{{ name '), TemplateSyntaxError);
    assert.throws(() => r('{{ __import__("os") ; 1 }}'), TemplateSyntaxError);
    assert.throws(() => r('{% macro m() %}y{% endmacro %}'), TemplateSyntaxError);
    assert.throws(() => r('{% if port %}y'), TemplateSyntaxError);
  });
});

describe('filters', () => {
  const cases: [string, unknown][] = [
    ['{{ missing | default("d") }}', 'd'],
    ['{{ missing.deep | default(7) }}', 7],
    ['{{ name | default("d") }}', 'World'],
    ['{{ empty | default("d") }}', ''],
    ['{{ empty | default("d", true) }}', 'd'],
    ['{{ missing | d([]) }}', []],
    ['{{ sans | join(",") }}', 'a.example,b.example'],
    // A whole value that renders as "123" reads as the number, as in Ansible's jinja2_native
    // (ansible-core 2.14: int); `| string` keeps the text.
    ['{{ cfg.list | join }}', 123],
    ['{{ cfg.list | join | string }}', '123'],
    ['{{ name | lower }}', 'world'],
    ['{{ name | upper }}', 'WORLD'],
    ['{{ "hello" | b64encode }}', 'aGVsbG8='],
    ['{{ b64 | b64decode }}', 'hello'],
    // Ansible's spacing (Python's json.dumps and PyYAML's dump with sorted keys)
    ['{{ cfg.list | to_json }}', '[1, 2, 3]'],
    ['{{ cfg | to_yaml }}', 'dash-key: dk\ndir: /etc/app\nlist: [1, 2, 3]\n'],
    ['{{ padded | trim }}', 'padded'],
    ['{{ sans | length }}', 2],
    ['{{ cfg | length }}', 3],
    ['{{ name | length }}', 5],
    ['{{ numstr | int }}', 42],
    ['{{ "4.9" | int }}', 4],
    ['{{ "abc" | int }}', 0],
    ['{{ port | string }}', '8443'],
    ['{{ "yes" | bool }}', true],
    ['{{ "off" | bool }}', false],
    ['{{ name | replace("o", "0") }}', 'W0rld'],
    ['{{ sans | first }}', 'a.example'],
    ['{{ sans | last }}', 'b.example'],
    ['{{ path | basename }}', 'file.txt'],
    ['{{ path | dirname }}', '/srv/data'],
    ['{{ "a b  c" | split }}', ['a', 'b', 'c']],
    ['{{ [3, 1, 2, 1] | unique | sort }}', [1, 2, 3]],
    ['{{ cfg | combine({"dir": "/x"}) | to_json }}', '{"dir": "/x", "list": [1, 2, 3], "dash-key": "dk"}'],
    ['{{ \'{"a": [1]}\' | from_json }}', { a: [1] }],
    ['{{ "a: 1" | from_yaml }}', { a: 1 }],
    ['{{ name | lower | upper | length }}', 5],
  ];
  for (const [template, expected] of cases) {
    test(template, () => assert.deepEqual(r(template), expected));
  }

  test('to_yaml output parses back to the same value', () => {
    assert.deepEqual(parseYaml(String(r('{{ cfg | to_yaml }}'))), { dir: '/etc/app', list: [1, 2, 3], 'dash-key': 'dk' });
  });

  test('every listed filter has a description and the required ones are listed', () => {
    for (const name of ['default', 'join', 'lower', 'upper', 'b64encode', 'b64decode', 'to_yaml', 'to_json', 'trim', 'length', 'int', 'string', 'bool', 'replace', 'first', 'last', 'basename', 'dirname']) {
      assert.ok(FILTERS[name], `FILTERS lacks ${name}`);
    }
  });

  test('an unknown filter names the known ones', () => {
    assert.throws(() => r('{{ name | shout }}'), /unknown filter 'shout' \(known: default/);
  });
});

describe('conditions', () => {
  const c = (s: string): boolean => evaluateCondition(s, scope);
  test('comparisons', () => {
    assert.equal(c('port == 8443'), true);
    assert.equal(c('port != 8443'), false);
    assert.equal(c('port > 80 and port <= 8443'), true);
    assert.equal(c('port < 80 or port >= 9000'), false);
    assert.equal(c('name == "World"'), true);
    assert.equal(c('"a" < "b"'), true);
    assert.equal(c('cfg.list == [1, 2, 3]'), true);
  });
  test('membership', () => {
    assert.equal(c('"a.example" in sans'), true);
    assert.equal(c('"c.example" not in sans'), true);
    assert.equal(c('"dir" in cfg'), true);
    assert.equal(c('"orl" in name'), true);
  });
  test('defined tests never fail on undefined variables', () => {
    assert.equal(c('missing is defined'), false);
    assert.equal(c('missing is not defined'), true);
    assert.equal(c('missing is undefined'), true);
    assert.equal(c('cfg.dir is defined'), true);
    assert.equal(c('cfg.nope.deeper is undefined'), true);
    assert.equal(c('nothing is none'), true);
  });
  test('not, parentheses, literals, precedence', () => {
    assert.equal(c('not enabled'), false);
    assert.equal(c('not (port == 1 or port == 2)'), true);
    assert.equal(c('true'), true);
    assert.equal(c('False'), false);
    assert.equal(c('none'), false);
    assert.equal(c('false or true and false'), false);
    assert.equal(c('not missing is defined'), true);
  });
  test('registered-result tests', () => {
    assert.equal(c('result is changed'), true);
    assert.equal(c('result is failed'), false);
    assert.equal(c('result is succeeded'), true);
  });
  test('truthiness, braces tolerated, false-like strings', () => {
    assert.equal(c('empty'), false);
    assert.equal(c('sans'), true);
    assert.equal(c('{{ enabled }}'), true);
    assert.equal(evaluateCondition('flag', VarScope.fromLayers([{ vars: { flag: 'false' } }])), false);
    assert.equal(evaluateCondition('flag', VarScope.fromLayers([{ vars: { flag: 'yes' } }])), true);
  });
  test('an undefined variable in a condition names it', () => {
    assert.throws(() => c('missing_flag and true'), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'missing_flag');
  });
  test('comparing unlike types is an error, not a silent false', () => {
    assert.throws(() => c('port < "9000"'), /cannot compare/);
  });
});
