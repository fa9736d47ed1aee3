import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { renderString } from '../../../engine/template/template.ts';
import { VarScope } from '../../../engine/template/vars.ts';

/**
 * Every case of test/fixtures/ansible-side-by-side/cases.yml, evaluated by tackle, against what
 * ansible-playbook printed for it (recorded.json, written by regenerate.sh in that folder).
 * A whole `{{ }}` keeps its type in tackle, as in Ansible's jinja2_native mode, so the value must
 * equal the native one, type included; a result that is text in tackle must equal Ansible's text.
 */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ansible-side-by-side');
const spec = parseYaml(readFileSync(join(fixtures, 'cases.yml'), 'utf8')) as { vars: Record<string, unknown>; cases: string[] };
const recorded = JSON.parse(readFileSync(join(fixtures, 'recorded.json'), 'utf8')) as {
  cases: { template: string; value?: unknown; native?: unknown; nativeType?: string; error?: string }[];
};

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

process.env['TACKLE_SIDE_BY_SIDE'] = 'from-the-environment';
const scope = VarScope.fromLayers([{ vars: spec.vars }, { vars: { playbook_dir: fixtures }, literal: true }]);

describe('side by side with ansible-playbook', () => {
  test('the recording covers every case, and at least 60', () => {
    assert.deepEqual(recorded.cases.map((c) => c.template), spec.cases);
    assert.ok(spec.cases.length >= 60);
  });
  for (const c of recorded.cases) {
    test(c.template, () => {
      assert.equal(c.error, undefined, `ansible-playbook failed on this case: ${c.error}`);
      const got = renderString(c.template, scope);
      if (typeof got === 'string' && got === c.value) return;
      assert.deepEqual(got, c.native, `tackle gave ${JSON.stringify(got)} (${kind(got)}); ansible-playbook printed ${JSON.stringify(c.value)}, natively ${JSON.stringify(c.native)}`);
      assert.equal(kind(got), c.nativeType);
    });
  }
});
