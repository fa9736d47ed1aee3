import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tackle } from '../helpers/cli.ts';
import { RUN_OPTIONS } from '../../cli/run-options.ts';
import { NOT_FOR_PLAN, NOT_FOR_PLAN_OR_APPLY, PLAN_OPTIONS } from '../../cli/plan-options.ts';
import { PLAN_HELP } from '../../cli/plan-help.ts';

const refused: Record<string, string> = { ...NOT_FOR_PLAN_OR_APPLY, ...NOT_FOR_PLAN };
const notTaken = PLAN_HELP.slice(PLAN_HELP.indexOf('not taken, and why:'), PLAN_HELP.indexOf('-o, --out'));
const short = (name: string): string | undefined => (RUN_OPTIONS as Record<string, { short?: string }>)[name]?.short;

test('every option of tackle run is taken by tackle plan, or refused with the reason its help gives', async () => {
  for (const name of Object.keys(RUN_OPTIONS)) {
    assert.ok(name in PLAN_OPTIONS, `tackle plan does not parse --${name}`);
    assert.match(PLAN_HELP, new RegExp(`--${name}\\b`), `plan's help does not mention --${name}`);
    if (refused[name]) assert.match(notTaken, new RegExp(`--${name}\\b`), `--${name} is refused but not listed under "not taken" in plan's help`);
    else assert.doesNotMatch(notTaken, new RegExp(`--${name}\\b`), `--${name} is taken but listed as not taken`);
    const s = short(name);
    if (s) assert.match(PLAN_HELP, new RegExp(`-${s}/--${name}\\b`), `plan's help does not name -${s} for --${name}`);
  }
});

test('the real CLI refuses each option plan does not take, with the reason, before reading any file', async () => {
  for (const [name, why] of Object.entries(refused)) {
    const value = (RUN_OPTIONS as Record<string, { type: string }>)[name]!.type === 'string' ? ['1'] : [];
    const r = await tackle(['plan', 'missing.yml', `--${name}`, ...value, '--out', 'never.json']);
    assert.equal(r.code, 5, `--${name}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `tackle: plan does not take --${name}: ${why}\n`);
  }
});
