import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { FakeQuay } from '../helpers/fake-quay.ts';
import { tackle } from '../helpers/cli.ts';
import type { PlanFile } from '../../engine/plan/plan-file.ts';

const KEY = 'mirrors/quay-rhel8';

// Quay's API stand-in on loopback, one real sshd host holding quayUser's token file: the Quay
// objects a plan's checks read are changed between plan and apply, as a colleague in the UI would.
describe('tackle apply: drift of the Quay objects the checks read', () => {
  let ssh: SshTestHosts;
  let quay: FakeQuay;
  let dir: string;
  let tokenFile: string;
  const plan = (out: string) => tackle(['plan', 'quay.yml', '-i', 'hosts.yml', '--out', out], { cwd: dir });
  const apply = (file: string) => tackle(['apply', file], { cwd: dir });
  const wouldChange = (file: string): string[] => {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PlanFile;
    return p.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}: ${s.task}`));
  };
  const mirror = () => quay.mirrors.get(KEY)!;

  before(async () => {
    ssh = await startSshHosts(1);
    quay = await FakeQuay.start();
    dir = mkdtempSync(join(tmpdir(), 'tackle-plan-quay-'));
    mkdirSync(join(dir, 'host'));
    tokenFile = join(dir, 'host', 'token');
    writeFileSync(tokenFile, `${quay.addUser('quayadmin', 'password123')}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml());
    writeFileSync(
      join(dir, 'quay.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: first user
      quayUser: { url: "${quay.url}", username: quayadmin, password: password123, tokenFile: "${tokenFile}" }
      register: admin
    - name: mirror
      quayMirror:
        url: "${quay.url}"
        token: "{{ admin.token }}"
        namespace: mirrors
        repository: quay-rhel8
        externalReference: registry.example.com/quay/quay-rhel8
        tags: [v3.7.0]
        syncInterval: 3600
        syncStartDate: "2024-01-01T00:00:00Z"
`,
    );
    assert.equal((await plan('first.json')).code, 0);
    const first = await apply('first.json');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(mirror().sync_interval, 3600);
  });
  after(async () => {
    await ssh?.stop();
    await quay?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quayMirror: a mirror setting changed in Quay after the plan refuses the host; the approved PUT is not sent', async () => {
    mirror().sync_interval = 60;
    assert.equal((await plan('interval.json')).code, 0);
    assert.deepEqual(wouldChange('interval.json'), ['host1: mirror']);
    // Same verdict (would change) and nothing on the host differs, but the mirror is not the one approved.
    mirror().rule_value = ['latest'];
    quay.clearRequests();
    const applied = await apply('interval.json');
    assert.equal(applied.code, 3, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /host1: drifted since plan: 'mirror' at quay\.yml:\d+:\d+: mirror of mirrors\/quay-rhel8 differs from the plan/);
    assert.deepEqual(quay.writes(), []);
    assert.deepEqual([mirror().sync_interval, mirror().rule_value], [60, ['latest']]);

    // Quay's worker moving the sync status and start date is no drift.
    assert.equal((await plan('tags.json')).code, 0);
    Object.assign(mirror(), { sync_status: 'SYNC_SUCCESS', sync_start_date: '2026-01-01T00:00:00Z' });
    const fixed = await apply('tags.json');
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.deepEqual([mirror().sync_interval, mirror().rule_value], [3600, ['v3.7.0']]);
  });

  test('quayUser: a token file replaced after the plan (another valid token of the user) refuses the host before the mirror is changed', async () => {
    mirror().sync_interval = 60;
    assert.equal((await plan('rotated.json')).code, 0);
    assert.deepEqual(wouldChange('rotated.json'), ['host1: mirror']);
    const rotated = 'B'.repeat(40);
    quay.tokens.set(rotated, 'quayadmin');
    writeFileSync(tokenFile, `${rotated}\n`);
    quay.clearRequests();
    const applied = await apply('rotated.json');
    assert.equal(applied.code, 3, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /host1: drifted since plan: 'first user' at quay\.yml:\d+:\d+: token in \S+token differs from the plan/);
    assert.doesNotMatch(applied.stdout + readFileSync(join(dir, 'rotated.json'), 'utf8'), new RegExp(rotated));
    assert.deepEqual(quay.writes(), []);
    assert.equal(mirror().sync_interval, 60);
  });
});
