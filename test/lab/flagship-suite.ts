import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet } from '../../lab/fleet/start.ts';
import { HOST_ARCHIVE_DIR } from '../../lab/paths.ts';
import { QUAY_TAGS, CLAIR_TAGS, SERVICES_ARCHIVE } from '../../lab/images/service-images.ts';
import { podman } from '../../lab/sh.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';
import { LAB_HOSTS, onHost } from './lab-fleet.ts';
import { planApplySteps } from './flagship-plan-apply.ts';
import { assertAllServicesTrue, QUAY_ROOT, quayHealth, startedAt, UNITS, waitHealthy } from './quay-on-host.ts';

// The flagship over SSH on the 3 lab hosts at once, as an operator runs it: systemd as PID 1,
// real PostgreSQL and Redis, the Quay and Clair stand-ins, images from an archive.
const ROOT = new URL('../../', import.meta.url).pathname;
const playbook = (name: string) => join(ROOT, 'playbooks', name);

interface Report {
  hosts: Record<string, Record<string, number>>;
  results: { host: string; task: string; status: string }[];
}

const changedSet = (r: Report): string[] => r.results.filter((x) => x.status === 'changed').map((x) => `${x.host}|${x.task}`).sort();

describe('the flagship on the lab fleet, over SSH', () => {
  let inventory: string;
  let dir: string;
  const outputs: string[] = [];
  const deploy = async (name: string, ...args: string[]) => {
    const r = await tackle(['run', playbook(name), '-i', inventory, '--no-progress', ...args]);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    inventory = await startFleet({ fresh: true });
    dir = mkdtempSync(join(tmpdir(), 'tackle-lab-flagship-'));
  });

  test('--check on fresh hosts predicts the first run exactly, and the first run converges', async () => {
    const checkReport = join(dir, 'check.json');
    const check = await deploy('quay-with-clair.yml', '--check', '--report', checkReport);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const h of LAB_HOSTS) {
      assert.equal((await onHost(h.container, `test -e ${QUAY_ROOT}`)).code, 1, `--check created ${QUAY_ROOT} on ${h.name}`);
      assert.equal((await onHost(h.container, 'podman ps -aq')).out.trim(), '', `--check created containers on ${h.name}`);
    }
    const runReport = join(dir, 'run.json');
    const first = await deploy('quay-with-clair.yml', '--report', runReport);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const predicted = JSON.parse(readFileSync(checkReport, 'utf8')) as Report;
    const applied = JSON.parse(readFileSync(runReport, 'utf8')) as Report;
    assert.deepEqual(changedSet(applied), changedSet(predicted), 'plan equals apply');
  });

  test('inside each host: Quay healthy over HTTPS with our CA, every service true; pg_trgm and uuid-ossp in real PostgreSQL', async () => {
    for (const h of LAB_HOSTS) {
      const health = await waitHealthy(h.container, 60_000);
      assert.equal(health.code, 200, `${h.name}: ${health.body}`);
      assertAllServicesTrue(health.body, h.name);
      const ext = async (container: string, db: string) =>
        (await onHost(h.container, `podman exec ${container} psql -d ${db} -U postgres -tAc "SELECT extname FROM pg_extension"`)).out.split('\n');
      assert.ok((await ext('postgresql-quay', 'quay')).includes('pg_trgm'), `${h.name}: pg_trgm`);
      assert.ok((await ext('postgresql-clairv4', 'clair')).includes('uuid-ossp'), `${h.name}: uuid-ossp`);
      for (const unit of UNITS) assert.equal((await onHost(h.container, `systemctl is-active ${unit}`)).out.trim(), 'active', `${h.name}: ${unit}`);
    }
  });

  test('a second run changes nothing', async () => {
    const second = await deploy('quay-with-clair.yml');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const h of LAB_HOSTS) assert.equal(parseRecap(second.stdout).get(h.name)?.changed, 0, second.stdout);
  });

  // A maintenance window on the converged fleet: plan, drift, apply (flagship-plan-apply.ts).
  planApplySteps({ playbook: playbook('quay-with-clair.yml'), inventory: () => inventory, dir: () => dir, outputs });

  test('reboot (3.5.3): after a restart of the host every unit comes back by itself, Quay after Clair, healthy without tackle', async () => {
    const host = LAB_HOSTS[1]!;
    const rebootedAt = (await onHost(host.container, 'date +%s')).out.trim();
    await podman('restart', '--time', '10', host.container);
    const health = await waitHealthy(host.container, 180_000);
    assert.equal(health.code, 200, `${host.name} after reboot: ${health.body}`);
    assertAllServicesTrue(health.body, host.name);
    for (const unit of UNITS) assert.equal((await onHost(host.container, `systemctl is-active ${unit}`)).out.trim(), 'active', `${unit} after reboot`);
    // After= orders the start jobs of this boot: Quay's start begins only once Clair's has finished.
    // (A later restart of Clair, e.g. while its database was still starting, is not the boot order.)
    const journal = (await onHost(host.container, `journalctl --since @${rebootedAt} -o short-monotonic --no-pager -u container-clairv4.service -u container-quay.service`)).out.split('\n');
    const firstLine = (re: RegExp) => journal.findIndex((l) => re.test(l));
    const clairStarted = firstLine(/systemd\[1\]: Started container-clairv4\.service/);
    const quayStarting = firstLine(/systemd\[1\]: Starting container-quay\.service/);
    assert.ok(clairStarted >= 0 && quayStarting >= 0, `both units started after the reboot:\n${journal.join('\n')}`);
    assert.ok(quayStarting > clairStarted, `Quay started after Clair:\n${journal.join('\n')}`);
  });

  test('a super user added with -e restarts only quay and the mirroring worker, and the run ends healthy', async () => {
    const host = LAB_HOSTS[0]!.container;
    const names = ['quay', 'mirroring-worker', 'clairv4', 'redis', 'postgresql-quay', 'postgresql-clairv4'];
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await startedAt(host, n)] as const)));
    const r = await deploy('quay-with-clair.yml', '-e', '{"super_users": ["quayadmin", "alice"]}');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of names) {
      const now = await startedAt(host, n);
      if (n === 'quay' || n === 'mirroring-worker') assert.notEqual(now, before[n], `${n} restarted`);
      else assert.equal(now, before[n], `${n} was left alone`);
    }
    const config = (await onHost(host, `cat ${QUAY_ROOT}/config/config.yaml`)).out;
    assert.match(config, /- alice/);
    for (const h of LAB_HOSTS) {
      const health = await quayHealth(h.container);
      assert.equal(health.code, 200, `${h.name} at the end of the run: ${health.body}`);
    }
  });

  test('no secret in any output, unit file, process listing or podman CreateCommand', async () => {
    for (const h of LAB_HOSTS) {
      const secrets = (await onHost(h.container, `for f in ${QUAY_ROOT}/secrets/*; do cat "$f"; echo; done`)).out.split('\n').map((s) => s.trim()).filter(Boolean);
      assert.ok(secrets.length >= 5, `${h.name}: secrets ${secrets.length}`);
      const places: Record<string, string> = {
        'tackle output': outputs.join('\n'),
        'unit files': (await onHost(h.container, 'cat /etc/systemd/system/container-*.service')).out,
        'ps listing': (await onHost(h.container, 'ps -eo args')).out,
        CreateCommand: (await onHost(h.container, "podman ps -aq | xargs podman inspect --format '{{.Config.CreateCommand}}'")).out,
      };
      for (const s of secrets) for (const [where, text] of Object.entries(places)) assert.ok(!text.includes(s), `a secret of ${h.name} is in the ${where}`);
    }
  });

  test('upgrade with serial 1, gated on health: the first host failing its gate leaves the others untouched; then all move', async () => {
    const archive = `${HOST_ARCHIVE_DIR}/${SERVICES_ARCHIVE}`;
    const upgrade = ['-e', `quay_image=${QUAY_TAGS[1]}`, '-e', `clair_image=${CLAIR_TAGS[1]}`, '-e', `quay_image_archive=${archive}`, '-e', `clair_image_archive=${archive}`];
    const imageOf = async (host: string) => (await onHost(host, "podman inspect --format '{{.ImageName}}' quay")).out.trim();
    const [first, ...rest] = LAB_HOSTS;
    // Broken on purpose: Quay (uid 1001) may no longer write its storage, so its health check fails.
    // Quay writes under storage_path (storage/registry, which it created and owns), so that is where
    // the write permission goes; the playbook's ACL on storage/ itself does not repair it.
    await onHost(first!.container, `chmod 0555 ${QUAY_ROOT}/storage/registry`);
    const broken = await deploy('quay-upgrade.yml', ...upgrade);
    assert.equal(broken.code, 2, broken.stdout + broken.stderr);
    const recap = parseRecap(broken.stdout);
    assert.equal(recap.get(first!.name)?.failed, 1, broken.stdout);
    for (const h of rest) {
      assert.equal(await imageOf(h.container), QUAY_TAGS[0], `${h.name} untouched`);
      assert.equal(recap.get(h.name)?.changed ?? 0, 0, broken.stdout);
    }
    await onHost(first!.container, `chmod 0755 ${QUAY_ROOT}/storage/registry`);
    const fixed = await deploy('quay-upgrade.yml', ...upgrade);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    for (const h of LAB_HOSTS) {
      assert.equal(await imageOf(h.container), QUAY_TAGS[1], h.name);
      assert.equal((await waitHealthy(h.container, 60_000)).code, 200, h.name);
    }
  });

  test('uninstall keeps the data; with purge it goes too', async () => {
    const kept = await deploy('quay-uninstall.yml', '--limit', LAB_HOSTS[0]!.name);
    assert.equal(kept.code, 0, kept.stdout + kept.stderr);
    const purged = await deploy('quay-uninstall.yml', '--limit', `${LAB_HOSTS[1]!.name}:${LAB_HOSTS[2]!.name}`, '-e', 'purge=true');
    assert.equal(purged.code, 0, purged.stdout + purged.stderr);
    for (const h of LAB_HOSTS) {
      assert.equal((await onHost(h.container, 'podman ps -aq')).out.trim(), '', `${h.name}: containers left`);
      assert.equal((await onHost(h.container, 'ls /etc/systemd/system/container-*.service 2>/dev/null')).out.trim(), '', `${h.name}: units left`);
      assert.equal((await onHost(h.container, 'systemctl list-units --all --no-legend "container-*"')).out.trim(), '', `${h.name}: units still loaded`);
    }
    assert.equal((await onHost(LAB_HOSTS[0]!.container, `test -s ${QUAY_ROOT}/postgres-quay/userdata/PG_VERSION`)).code, 0, 'data kept without purge');
    for (const h of LAB_HOSTS.slice(1)) assert.notEqual((await onHost(h.container, `test -e ${QUAY_ROOT}/postgres-quay`)).code, 0, `${h.name}: purged`);
  });
});
