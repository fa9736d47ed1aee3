import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostDrift, PlanHolder } from '../../../engine/plan/hold.ts';
import { withoutExtraVarValues } from '../../../engine/plan/build.ts';
import type { PlanStep } from '../../../engine/plan/plan-file.ts';
import type { FinishedStep } from '../../../engine/run/step-gate.ts';

const step = (task: string, verdict: PlanStep['verdict'], fingerprint: Record<string, string>, extra: Partial<PlanStep> = {}): PlanStep => ({
  play: 'p', task, type: 'writeConfig', at: `site.yml:${task.length}:7`, verdict, reasons: [], diff: [], fingerprint, ...extra,
});
const finished = (s: PlanStep, status: FinishedStep['status']): FinishedStep => ({ ...s, handler: false, status, ignored: false, dependsOnPending: s.dependsOnPending ?? [] });

test('a check pass that differs names the task and the fingerprint labels that differ', () => {
  const planned = [step('a', 'ok', { 'file /a': 'x' }), step('bb', 'would change', { 'file /b': 'y', owner: '0:0' })];
  assert.equal(hostDrift(planned, planned), undefined);
  assert.equal(hostDrift(planned, [planned[0]!, step('bb', 'would change', { 'file /b': 'z', owner: '0:0' })]), "'bb' at site.yml:2:7: file /b differs from the plan");
  assert.equal(hostDrift(planned, [step('a', 'would change', { 'file /a': 'x' })]), "'a' at site.yml:1:7: the plan says ok, the check now says would change");
  assert.equal(hostDrift(planned, [planned[0]!]), "the plan has 'bb' at site.yml:2:7, which does not run now");
  // A step the check pass could not reach the host for is left to the run.
  assert.equal(hostDrift(planned, [step('a', 'unreachable', {})]), undefined);
});

test('the run is held to the plan: fingerprints until the first change, the verdict after it; a refused host stops at its first step', () => {
  const planned = [step('a', 'would change', { f: '1' }), step('bb', 'would change', { f: '2' }, { dependsOnPending: ['/a'] }), step('ccc', 'ok', { f: '3' })];
  const holder = new PlanHolder(new Map([['h1', planned], ['h2', planned]]), new Map([['h2', 'drifted since plan: seen in the check pass']]));
  assert.equal(holder.checked('h1', { task: 'a', at: planned[0]!.at, changed: true, fingerprint: { f: '1' }, dependsOnPending: [] }), undefined);
  assert.equal(holder.finished('h1', finished(planned[0]!, 'changed')), undefined);
  // After the first change the state may be this run's own: a new fingerprint is no drift, a new verdict is.
  assert.equal(holder.checked('h1', { task: 'bb', at: planned[1]!.at, changed: true, fingerprint: { f: 'made by a' }, dependsOnPending: [] }), undefined);
  assert.equal(holder.finished('h1', finished(planned[1]!, 'changed')), undefined);
  assert.match(holder.checked('h1', { task: 'ccc', at: planned[2]!.at, changed: true, fingerprint: { f: '3' }, dependsOnPending: [] })!, /^drifted since plan: 'ccc' .*: the plan says ok, the check now says would change$/);
  assert.deepEqual([...holder.drifted.keys()], ['h1']);
  assert.equal(holder.checked('h2', { task: 'a', at: planned[0]!.at, changed: true, fingerprint: { f: '1' }, dependsOnPending: [] }), 'drifted since plan: seen in the check pass');
});

test('the change a step would make is compared too: another digest is drift, a step that now does less is not; positions are stated as the plan states them', () => {
  const planned = [step('a', 'would change', { f: '1' }, { change: 'sha256:approved' })];
  assert.equal(hostDrift(planned, planned), undefined);
  assert.equal(hostDrift(planned, [{ ...planned[0]!, change: 'sha256:other' }]), "'a' at site.yml:1:7: the change differs from the plan");
  const holder = new PlanHolder(new Map([['h1', planned], ['h2', planned]]), new Map(), (at) => at.replace('/base/', ''));
  const seen = { task: 'a', at: '/base/site.yml:1:7', fingerprint: { f: '1' }, dependsOnPending: [] };
  assert.equal(holder.checked('h1', { ...seen, changed: false }), undefined);
  assert.equal(holder.checked('h2', { ...seen, changed: true, change: 'sha256:other' }), "drifted since plan: 'a' at site.yml:1:7: the change differs from the plan");
});

test('the command line kept in a plan has no -e value', () => {
  assert.deepEqual(withoutExtraVarValues(['plan', 'site.yml', '-e', 'pw=x', '--extra-vars=pw=y', '-epw=z', '--out', 'p.json']), ['plan', 'site.yml', '-e', '-e #1', '--extra-vars=-e #2', '-e-e #3', '--out', 'p.json']);
});
