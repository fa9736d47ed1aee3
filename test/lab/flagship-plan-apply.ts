/**
 * A maintenance window on the converged lab fleet (systemd as PID 1, units started by systemd):
 * plan, review, drift as an operator meets it (a hand edit of Quay's config.yaml, a unit
 * stopped), apply. Registered inside the flagship suite, on the fleet it has converged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanFile } from '../../engine/plan/plan-file.ts';
import type { JsonReport } from '../../engine/report/json-report.ts';
import { parseRecap, tackle, type CliResult } from '../helpers/cli.ts';
import { LAB_HOSTS, onHost } from './lab-fleet.ts';
import { assertAllServicesTrue, editQuayConfig, quayConfigValue, quayHealth, restartSnapshot, unitAndContainer, waitHealthy } from './quay-on-host.ts';

export interface ConvergedFleet {
  playbook: string;
  inventory: () => string;
  /** Where plans, reports and the drift file go (tackle plan and apply run there). */
  dir: () => string;
  /** Every output line goes here too, for the suite's no-secret check. */
  outputs: string[];
}

const TAG_EXPIRATION = 'DEFAULT_TAG_EXPIRATION';
const APPROVED_EXPIRATION = '2w';

/** What a host needs when Quay's config.yaml was edited by hand and its redis unit was stopped. */
const REPAIR_CONFIG = ['quay config.yaml', 'restart quay unit', 'restart mirroring worker unit'];
const REPAIR_REDIS = ['redis unit'];

export function planApplySteps(fleet: ConvergedFleet): void {
  const [first, second, third] = [LAB_HOSTS[0]!, LAB_HOSTS[1]!, LAB_HOSTS[2]!];
  const cli = async (args: string[]): Promise<CliResult> => {
    const r = await tackle([...args, '--no-progress'], { cwd: fleet.dir() });
    fleet.outputs.push(r.stdout, r.stderr);
    return r;
  };
  const plan = async (out: string, ...args: string[]): Promise<PlanFile> => {
    const r = await cli(['plan', fleet.playbook, '-i', fleet.inventory(), '--out', out, ...args]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = readFileSync(join(fleet.dir(), out), 'utf8');
    fleet.outputs.push(text);
    return JSON.parse(text) as PlanFile;
  };
  const apply = (planFile: string) => cli(['apply', planFile, '--report', `${planFile}.report.json`]);
  const applied = (planFile: string): string[] => {
    const report = JSON.parse(readFileSync(join(fleet.dir(), `${planFile}.report.json`), 'utf8')) as JsonReport;
    return [...new Set(report.results.filter((r) => r.status === 'changed').map((r) => `${r.host}|${r.task}`))].sort();
  };
  const snapshots = async () => new Map(await Promise.all(LAB_HOSTS.map(async (h) => [h.name, await restartSnapshot(h.container)] as const)));
  /** A hand edit of the config and the redis unit stopped (its container goes with it: podman run --rm). */
  const drift = async (container: string): Promise<void> => {
    await editQuayConfig(container, TAG_EXPIRATION, '4w');
    assert.equal((await onHost(container, 'systemctl stop container-redis.service')).code, 0);
    assert.deepEqual(await unitAndContainer(container, 'redis'), { unit: 'inactive', container: 'absent' });
    const health = await quayHealth(container);
    assert.equal(health.code, 503, `${container}: Quay sees its redis gone: ${health.body}`);
  };
  const assertRepaired = async (container: string, name: string): Promise<void> => {
    assert.equal(await quayConfigValue(container, TAG_EXPIRATION), APPROVED_EXPIRATION, `${name}: config.yaml as approved`);
    assert.deepEqual(await unitAndContainer(container, 'redis'), { unit: 'active', container: 'running' }, `${name}: redis`);
    const health = await waitHealthy(container, 60_000);
    assert.equal(health.code, 200, `${name}: ${health.body}`);
    assertAllServicesTrue(health.body, name);
  };

  test('plan of the converged fleet: nothing would change on any host', async () => {
    const p = await plan('converged.json');
    assert.deepEqual(p.hosts.map((h) => h.name), LAB_HOSTS.map((h) => h.name));
    assert.deepEqual(wouldChange(p), [], reasonsOf(p));
    for (const h of p.hosts) assert.ok(h.steps.length > 0 && !h.ended, `${h.name}: ${h.steps.length} steps, ended ${h.ended}`);
  });

  test('one host drifted (config.yaml edited, its redis unit stopped): the plan shows exactly its repairs; apply makes them, Quay healthy again, the others not restarted; a second plan has nothing', async () => {
    await drift(third.container);
    const p = await plan('drifted.json', '--html', 'drifted.html');
    fleet.outputs.push(readFileSync(join(fleet.dir(), 'drifted.html'), 'utf8'));
    const repairs = [...REPAIR_REDIS, ...REPAIR_CONFIG].map((t) => `${third.name}|${t}`).sort();
    assert.deepEqual(wouldChange(p), repairs, reasonsOf(p));
    const untouched = await snapshots();

    const r = await apply('drifted.json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(applied('drifted.json'), repairs, 'apply changed exactly what the plan said');
    const recap = parseRecap(r.stdout);
    for (const h of LAB_HOSTS) assert.equal(recap.get(h.name)?.failed, 0, r.stdout);
    await assertRepaired(third.container, third.name);
    const now = await snapshots();
    for (const h of [first, second]) assert.deepEqual(now.get(h.name), untouched.get(h.name), `${h.name}: nothing restarted or re-created`);
    assert.notDeepEqual(now.get(third.name), untouched.get(third.name), `${third.name}: redis started, quay restarted`);

    assert.deepEqual(wouldChange(await plan('after.json')), [], 'a second plan has nothing to change');
  });

  test('drift after approval: apply exits 3, refuses that host before its first change and leaves it as it was, names it in the drift file, applies the others (a restarted unit is no drift); a re-plan of the drift file repairs it', async () => {
    // Before the plan: the second host's config edited (its planned repair), the third host drifted as above.
    await editQuayConfig(second.container, TAG_EXPIRATION, '4w');
    await drift(third.container);
    const p = await plan('window.json');
    const planned = [...REPAIR_CONFIG.map((t) => `${second.name}|${t}`), ...[...REPAIR_REDIS, ...REPAIR_CONFIG].map((t) => `${third.name}|${t}`)].sort();
    assert.deepEqual(wouldChange(p), planned, reasonsOf(p));

    // After the approval, a colleague puts the third host's config back by hand (and leaves redis
    // down), and restarts the first host's database: its unit re-creates the container (--new), as
    // a reboot does, with the same state, which is no drift.
    await editQuayConfig(third.container, TAG_EXPIRATION, APPROVED_EXPIRATION);
    assert.equal((await onHost(first.container, 'systemctl restart container-postgresql-quay.service')).code, 0);
    // Done once Quay is healthy again (the plan saw it healthy, and its health is part of what the plan compares).
    assert.equal((await waitHealthy(first.container, 60_000)).code, 200, `${first.name} after its database restart`);
    const before = await snapshots();
    const r = await apply('window.json');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`${literal(third.name)}: drifted since plan: 'quay config\\.yaml' at \\S+quay-with-clair\\.yml:\\d+:\\d+: the plan says would change, the check now says ok`));
    assert.equal(readFileSync(join(fleet.dir(), '.tackle-retry/quay-with-clair.drifted'), 'utf8'), `${third.name}\n`);
    const recap = parseRecap(r.stdout);
    assert.deepEqual([recap.get(third.name)?.changed, recap.get(third.name)?.failed], [0, 1], r.stdout);
    assert.deepEqual(applied('window.json'), REPAIR_CONFIG.map((t) => `${second.name}|${t}`).sort(), 'only the second host changed, as planned');

    // The refused host: exactly as the colleague left it, its redis still down, nothing restarted.
    assert.equal(await quayConfigValue(third.container, TAG_EXPIRATION), APPROVED_EXPIRATION);
    assert.deepEqual(await unitAndContainer(third.container, 'redis'), { unit: 'inactive', container: 'absent' });
    const after = await snapshots();
    assert.deepEqual(after.get(third.name), before.get(third.name), `${third.name}: nothing started or restarted`);
    assert.deepEqual(after.get(first.name), before.get(first.name), `${first.name}: nothing restarted`);
    assert.equal(await quayConfigValue(second.container, TAG_EXPIRATION), APPROVED_EXPIRATION);
    for (const h of [first, second]) {
      const health = await waitHealthy(h.container, 60_000);
      assert.equal(health.code, 200, `${h.name}: ${health.body}`);
    }

    // The way forward: plan the drifted host again from its drift file, and apply that plan.
    const again = await plan('window-2.json', '--limit', '@.tackle-retry/quay-with-clair.drifted');
    assert.deepEqual(wouldChange(again), REPAIR_REDIS.map((t) => `${third.name}|${t}`), reasonsOf(again));
    const fixed = await apply('window-2.json');
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    await assertRepaired(third.container, third.name);
    assert.deepEqual(wouldChange(await plan('closed.json')), [], 'after the window the whole fleet has nothing to change');
  });
}

function wouldChange(p: PlanFile): string[] {
  return [...new Set(p.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}|${s.task}`)))].sort();
}

function reasonsOf(p: PlanFile): string {
  return p.hosts.flatMap((h) => h.steps.filter((s) => s.verdict !== 'ok' && s.verdict !== 'skipped').map((s) => `${h.name}|${s.task}: ${s.verdict}: ${s.reasons.join('; ')}`)).join('\n');
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
