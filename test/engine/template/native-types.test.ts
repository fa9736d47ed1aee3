import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderString } from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';

/**
 * A whole `{{ expr }}` that renders as text reads as the literal it spells, as in Ansible's
 * jinja2_native mode, so `-e port=6380` is the number 6380 where the template is the whole value.
 *
 * What ansible-core 2.14.18 gave (`set_fact: {x: TEMPLATE}` then `x | type_debug`, run with
 * `-e port=6380 -e flag=True -e flag2=true -e 'lst=[1,2]' -e none=None`), in its default mode
 * and with ANSIBLE_JINJA2_NATIVE=True, beside what tackle gives. tackle follows native mode,
 * except that a number is taken only when it prints back as the same text (nothing is lost).
 */
const vars = { port: '6380', flag: 'True', flag2: 'true', lst: '[1,2]', none: 'None', quoted: '6380', secretish: '123e4', version: '3.10', octal: '0640' };
const CASES: { template: string; ansibleDefault: string; ansibleNative: string; tackle: unknown }[] = [
  { template: '{{ port }}', ansibleDefault: 'str 6380', ansibleNative: 'int 6380', tackle: 6380 },
  { template: '{{ flag }}', ansibleDefault: 'bool True', ansibleNative: 'bool True', tackle: true },
  { template: '{{ flag2 }}', ansibleDefault: 'str true (set_fact alone makes it bool)', ansibleNative: 'str true', tackle: 'true' },
  { template: '{{ lst }}', ansibleDefault: 'list [1, 2]', ansibleNative: 'list [1, 2]', tackle: [1, 2] },
  { template: '{{ none }}', ansibleDefault: 'str None', ansibleNative: 'NoneType', tackle: null },
  { template: '{{ quoted }}', ansibleDefault: 'str 6380', ansibleNative: 'int 6380', tackle: 6380 },
  { template: '{{ octal }}', ansibleDefault: 'str 0640', ansibleNative: 'str 0640', tackle: '0640' },
  { template: 'x{{ port }}', ansibleDefault: 'str x6380', ansibleNative: 'str x6380', tackle: 'x6380' },
  { template: '{{ port | string }}', ansibleDefault: 'str 6380', ansibleNative: 'NativeJinjaText 6380', tackle: '6380' },
  { template: '{{ port | to_json }}', ansibleDefault: 'str "6380"', ansibleNative: 'NativeJinjaText "6380"', tackle: '"6380"' },
  { template: "{{ '6380' }}", ansibleDefault: 'str 6380', ansibleNative: 'int 6380', tackle: 6380 },
  { template: "{{ port ~ '' }}", ansibleDefault: 'str 6380', ansibleNative: 'int 6380', tackle: 6380 },
  { template: '{{ port | int }}', ansibleDefault: 'int 6380', ansibleNative: 'int 6380', tackle: 6380 },
  // Where tackle keeps the text: Ansible's native mode loses what was written.
  { template: '{{ secretish }}', ansibleDefault: 'str 123e4', ansibleNative: 'float 1230000.0', tackle: '123e4' },
  { template: '{{ version }}', ansibleDefault: 'str 3.10', ansibleNative: 'float 3.1', tackle: '3.10' },
  { template: '{{ port }}\n', ansibleDefault: 'str "6380\\n"', ansibleNative: 'int 6380', tackle: '6380\n' },
];

describe('whole templates that render as text: typed as in Ansible 2.14 jinja2_native', () => {
  const scope = VarScope.fromLayers([{ vars }]);
  for (const c of CASES) {
    test(`${JSON.stringify(c.template)}: Ansible default ${c.ansibleDefault}, native ${c.ansibleNative}`, () => {
      assert.deepEqual(renderString(c.template, scope), c.tackle);
    });
  }

  test('the text around a whole expression that yields text is kept (a trailing newline stays)', () => {
    assert.equal(renderString('{{ name }}\n', VarScope.fromLayers([{ vars: { name: 'nobody' } }])), 'nobody\n');
    assert.deepEqual(renderString('  {{ items }}\n', VarScope.fromLayers([{ vars: { items: [1] } }])), [1]);
  });
});
