import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';
import type { PlanFile } from '../../engine/plan/plan-file.ts';
import { containersNamed, ensurePodmanTestConfig, freePort, inspectContainerJson, removeContainers } from '../helpers/podman.ts';

// The flagship playbook deployed, as a user would, onto one local host and three SSH hosts at
// once. All four share this machine: each has its own root, sysroot, ports and container names.
const ROOT = new URL('../../', import.meta.url).pathname;
const PLAYBOOK = join(ROOT, 'playbooks/quay-with-clair.yml');

interface TestHost {
  name: string;
  prefix: string;
  quayRoot: string;
  sysroot: string;
  ports: Record<string, number>;
}

interface Report {
  check: boolean;
  hosts: Record<string, Record<string, number>>;
  results: { host: string; task: string; status: string; message: string }[];
}

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} not found: install the Debian package that provides it (${r.error.message})`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The /etc of each test host: what a Debian system has for trust stores and units. */
function makeSysroot(dir: string): void {
  for (const d of ['etc/ssl/certs', 'usr/share/ca-certificates', 'usr/local/share/ca-certificates', 'etc/ca-certificates/update.d', 'etc/systemd/system']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  copyFileSync('/etc/os-release', join(dir, 'etc/os-release'));
  writeFileSync(join(dir, 'etc/ca-certificates.conf'), '');
}

// Container names are global on this machine: this run's own, so test runs side by side do not remove each other's.
const RUN = process.pid.toString(36);

const changedSet = (r: Report): string[] => r.results.filter((x) => x.status === 'changed').map((x) => `${x.host}|${x.task}`).sort();

describe('playbooks/quay-with-clair.yml on a local host and 3 ssh hosts at once', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let inventory: string;
  const hosts: TestHost[] = [];
  const secretsOf = (h: TestHost): string[] =>
    readdirSync(join(h.quayRoot, 'secrets')).map((f) => readFileSync(join(h.quayRoot, 'secrets', f), 'utf8').trim());
  /** Every line of key material in the host's private keys (CA and server key), and of the controller's SSH key. */
  const privateKeyLinesOf = (h: TestHost): string[] =>
    [...readdirSync(h.quayRoot, { recursive: true, encoding: 'utf8' }).map((f) => join(h.quayRoot, f)), ssh.clientKeyFile]
      .filter((f) => statSync(f).isFile())
      .map((f) => readFileSync(f, 'utf8'))
      .filter((text) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
      .flatMap((text) => text.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')));

  before(async () => {
    await ensurePodmanTestConfig();
    dir = mkdtempSync(join(tmpdir(), 'tackle-flagship-'));
    ssh = await startSshHosts(3);

    // Busybox stand-in images (entry points, ports and health endpoints only), built by a fixture playbook.
    const images = await tackle(['run', join(ROOT, 'test/fixtures/playbooks/busybox-standins.yml'), '-e', `lab_root=${dir}/lab`, '-e', `sysroot=${dir}/images-sysroot`, '--no-progress']);
    assert.equal(images.code, 0, images.stdout + images.stderr);

    for (const name of ['local1', 'host1', 'host2', 'host3']) {
      const ports: Record<string, number> = {};
      for (const p of ['quay_http_port', 'quay_https_port', 'clair_port', 'clair_introspection_port', 'quay_db_port', 'clair_db_port', 'redis_port']) {
        ports[p] = await freePort();
      }
      const h: TestHost = { name, prefix: `tkl${RUN}-${name}-`, quayRoot: join(dir, name, 'quay'), sysroot: join(dir, name, 'sysroot'), ports };
      makeSysroot(h.sysroot);
      hosts.push(h);
    }
    await removeContainers(...(await Promise.all(hosts.map((h) => containersNamed(h.prefix)))).flat());

    const hostVars = (h: TestHost): Record<string, unknown> => ({
      quay_root: h.quayRoot,
      sysroot: h.sysroot,
      container_name_prefix: h.prefix,
      server_ip: '127.0.0.1',
      service_host: '127.0.0.1',
      quay_image: 'localhost/tackle-test/busybox-quay:v3.7.0',
      clair_image: 'localhost/tackle-test/busybox-clair:v3.7.0',
      postgres_image: 'localhost/tackle-test/busybox-postgresql-10:1',
      redis_image: 'localhost/tackle-test/busybox-redis-5:1',
      pull_images: 'never',
      quay_health_url: `http://127.0.0.1:${h.ports['quay_http_port']}/health/instance`,
      health_delay: 1,
      ...h.ports,
    });
    const inv = parse(ssh.inventoryYaml()) as { all: { hosts: Record<string, Record<string, unknown>> } };
    for (const h of hosts) {
      inv.all.hosts[h.name] = { ...(inv.all.hosts[h.name] ?? { ansible_connection: 'local' }), ...hostVars(h) };
    }
    inventory = join(dir, 'hosts.json');
    writeFileSync(inventory, JSON.stringify(inv));
  });

  after(async () => {
    await removeContainers(...(await Promise.all(hosts.map((h) => containersNamed(h.prefix)))).flat());
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('check on fresh hosts touches nothing; the real run changes exactly what it predicted; a second run changes nothing', async () => {
    const checkReport = join(dir, 'check.json');
    const check = await tackle(['run', PLAYBOOK, '-i', inventory, '--check', '--no-progress', '--report', checkReport]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const h of hosts) {
      assert.equal(existsSync(h.quayRoot), false, `--check created ${h.quayRoot}`);
      assert.deepEqual(await containersNamed(h.prefix), [], `--check created containers for ${h.name}`);
      assert.deepEqual(readdirSync(join(h.sysroot, 'etc/systemd/system')), [], '--check wrote units');
    }
    const predicted = JSON.parse(readFileSync(checkReport, 'utf8')) as Report;

    const runReport = join(dir, 'run.json');
    const first = await tackle(['run', PLAYBOOK, '-i', inventory, '--no-progress', '--report', runReport]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const applied = JSON.parse(readFileSync(runReport, 'utf8')) as Report;
    assert.deepEqual(changedSet(applied), changedSet(predicted), 'plan equals apply');

    const second = await tackle(['run', PLAYBOOK, '-i', inventory, '--no-progress']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const recap = parseRecap(second.stdout);
    assert.equal(recap.size, 4);
    for (const [name, c] of recap) assert.equal(c['changed'], 0, `${name} changed on the second run:\n${second.stdout}`);

    for (const h of hosts) {
      // No secret of any host in any output or report.
      for (const s of secretsOf(h)) {
        assert.ok(s.length >= 16);
        for (const text of [first.stdout, first.stderr, second.stdout, readFileSync(runReport, 'utf8')]) assert.ok(!text.includes(s), `a secret of ${h.name} was printed`);
      }
    }
  });

  test('every host serves Quay and Clair with its own CA, certificate, config, containers and units', async () => {
    for (const h of hosts) {
      const config = join(h.quayRoot, 'config');
      assert.match(run('openssl', ['verify', '-CAfile', join(h.quayRoot, 'ca/rootCA.pem'), join(config, 'ssl.cert')]).out, /ssl\.cert: OK/);
      const checkhost = run('openssl', ['x509', '-in', join(config, 'ssl.cert'), '-noout', '-checkhost', h.name, '-checkip', '127.0.0.1']);
      assert.match(checkhost.out, new RegExp(`Hostname ${h.name} does match`));
      assert.match(checkhost.out, /IP 127\.0\.0\.1 does match/);

      const quayConfig = parse(readFileSync(join(config, 'config.yaml'), 'utf8')) as Record<string, unknown>;
      for (const key of ['SERVER_HOSTNAME', 'PREFERRED_URL_SCHEME', 'DB_URI', 'AUTHENTICATION_TYPE', 'DISTRIBUTED_STORAGE_CONFIG', 'DISTRIBUTED_STORAGE_PREFERENCE', 'DEFAULT_TAG_EXPIRATION', 'TAG_EXPIRATION_OPTIONS', 'BUILDLOGS_REDIS', 'USER_EVENTS_REDIS', 'SECRET_KEY', 'DATABASE_SECRET_KEY']) {
        assert.ok(quayConfig[key] !== undefined, `${h.name} config.yaml lacks ${key}`);
      }
      assert.equal(quayConfig['SERVER_HOSTNAME'], `${h.name}:${h.ports['quay_https_port']}`);
      assert.equal(quayConfig['PREFERRED_URL_SCHEME'], 'https');
      assert.deepEqual(quayConfig['SUPER_USERS'], ['quayadmin']);
      assert.equal(quayConfig['FEATURE_REPO_MIRROR'], true);
      assert.equal(quayConfig['FEATURE_SECURITY_SCANNER'], true);
      const clairConfig = parse(readFileSync(join(h.sysroot, 'etc/clairv4/config/config.yaml'), 'utf8')) as { auth: { psk: { key: string; iss: string[] } }; indexer: { connstring: string } };
      assert.equal(clairConfig.auth.psk.key, quayConfig['SECURITY_SCANNER_V4_PSK'], 'Quay and Clair share the PSK');
      assert.deepEqual(clairConfig.auth.psk.iss, ['quay']);
      assert.match(clairConfig.indexer.connstring, new RegExp(`port=${h.ports['clair_db_port']} dbname=clair`));

      assert.match(run('getfacl', ['-p', '-n', join(h.quayRoot, 'postgres-clairv4')]).out, /^user:26:-wx$/m);
      assert.match(run('getfacl', ['-p', '-n', join(h.quayRoot, 'storage')]).out, /^user:1001:-wx$/m, 'Quay (uid 1001) writes its storage');
      assert.equal(statSync(join(h.sysroot, 'etc/clairv4/config/config.yaml')).uid, 65534, "Clair's config belongs to Clair's uid");

      const quay = await inspectContainerJson(`${h.prefix}quay`);
      assert.equal(quay.State.Running, true);
      const health = await fetch(`http://127.0.0.1:${h.ports['quay_http_port']}/health/instance`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status_code: number }).status_code, 200);
      assert.equal((await fetch(`http://127.0.0.1:${h.ports['clair_introspection_port']}/readyz`)).status, 200);
      const mirror = await inspectContainerJson(`${h.prefix}mirroring-worker`);
      assert.deepEqual(mirror.Config.Cmd, ['repomirror']);
      // The config directory is shared by quay and the worker: a shared SELinux label (:z), not a private one (:Z).
      for (const c of [quay, mirror]) assert.ok((c.Config.CreateCommand ?? []).includes(`${h.quayRoot}/config:/conf/stack:z`), (c.Config.CreateCommand ?? []).join(' '));
      const clair = await inspectContainerJson(`${h.prefix}clairv4`);
      assert.ok((clair.Mounts ?? []).some((m: { Destination: string; Source: string }) => m.Destination === '/var/run/certs/ca.crt' && m.Source === join(h.quayRoot, 'ca/rootCA.pem')), "Clair trusts Quay's CA");
      assert.ok((clair.Config.Env ?? []).includes('SSL_CERT_DIR=/etc/ssl/certs:/var/run/certs'));
      assert.ok((mirror.Mounts ?? []).some((m: { Destination: string }) => m.Destination === '/etc/pki/ca-trust/source/anchors/ca.crt'), 'the worker trusts the CA (3.3.3)');

      const certsD = join(h.sysroot, 'etc/containers/certs.d', `${h.name}:${h.ports['quay_https_port']}`, 'ca.crt');
      assert.equal(readFileSync(certsD, 'utf8').trim(), readFileSync(join(h.quayRoot, 'ca/rootCA.pem'), 'utf8').trim());
      assert.match(run('openssl', ['verify', '-CAfile', join(h.sysroot, 'etc/ssl/certs/ca-certificates.crt'), join(config, 'ssl.cert')]).out, /OK/);

      const unitDir = join(h.sysroot, 'etc/systemd/system');
      const units = readdirSync(unitDir).filter((f) => f.endsWith('.service'));
      assert.equal(units.length, 6, units.join(' '));
      for (const u of units) {
        const verify = run('systemd-analyze', ['verify', join(unitDir, u)]);
        assert.equal(verify.code, 0, `${u}: ${verify.out}`);
        assert.ok(lstatSync(join(unitDir, 'multi-user.target.wants', u)).isSymbolicLink(), `${u} not enabled`);
      }
      const quayUnit = readFileSync(join(unitDir, `container-${h.prefix}quay.service`), 'utf8');
      assert.match(quayUnit, new RegExp(`^After=.*container-${h.prefix}clairv4\\.service`, 'm'));
      assert.match(quayUnit, /^RestartSec=30$/m);
      assert.ok(!secretsOf(h).some((s) => quayUnit.includes(s) || readFileSync(join(unitDir, `container-${h.prefix}postgresql-quay.service`), 'utf8').includes(s)), 'no secret in a unit');
    }
  });

  test('plan of the converged fleet with one host drifted (a container removed) shows exactly its changes and no secret; apply repairs exactly those and refuses a host drifted since', async () => {
    const [drifted, later] = [hosts[2]!, hosts[3]!];
    await removeContainers(`${drifted.prefix}redis`);
    const planPath = join(dir, 'plan.json');
    const htmlPath = join(dir, 'plan.html');
    const planned = await tackle(['plan', PLAYBOOK, '-i', inventory, '--no-progress', '--out', planPath, '--html', htmlPath]);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const planText = readFileSync(planPath, 'utf8');
    const pageText = readFileSync(htmlPath, 'utf8');
    const plan = JSON.parse(planText) as PlanFile;
    const wouldChange = plan.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}|${s.task}`));
    const why = plan.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}|${s.task}: ${s.reasons.join('; ')}`)).join('\n');
    assert.ok(wouldChange.length > 0 && wouldChange.every((s) => s.startsWith(`${drifted.name}|`)), why);
    assert.ok(wouldChange.some((s) => /redis/.test(s)), wouldChange.join('\n'));
    // No secret of any host in the plan or its review page: DB and admin passwords, secret keys, the PSK, private key bytes.
    for (const h of hosts) {
      const secrets = [...secretsOf(h), ...privateKeyLinesOf(h)];
      assert.ok(secrets.length >= 10, `${h.name}: found only ${secrets.length} secrets to look for`);
      for (const secret of secrets) {
        assert.ok(!planText.includes(secret), `a secret of ${h.name} is in the plan`);
        assert.ok(!pageText.includes(secret), `a secret of ${h.name} is in the review page`);
      }
    }
    assert.ok(pageText.includes(drifted.name), 'the page shows the drifted host');

    // A colleague's hotfix on another host after the plan was approved.
    const configFile = join(later.quayRoot, 'config/config.yaml');
    const approved = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, approved.replace(/^DEFAULT_TAG_EXPIRATION: .*$/m, 'DEFAULT_TAG_EXPIRATION: 4w'));
    const startedOf = async (h: TestHost): Promise<string[]> =>
      Promise.all((await containersNamed(h.prefix)).map(async (c) => { const i = await inspectContainerJson(c); return `${c} ${i.Id} ${i.State.StartedAt}`; }));
    const laterContainers = await startedOf(later);
    const reportPath = join(dir, 'apply.json');
    const applied = await tackle(['apply', planPath, '--no-progress', '--report', reportPath]);
    assert.equal(applied.code, 3, applied.stdout + applied.stderr);
    assert.match(applied.stdout, new RegExp(`${later.name}: drifted since plan: .*config\\.yaml`));
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    const changed = [...new Set(report.results.filter((r) => r.status === 'changed').map((r) => `${r.host}|${r.task}`))].sort();
    assert.deepEqual(changed, [...new Set(wouldChange)].sort(), 'apply changed exactly what the plan said');
    assert.equal((await inspectContainerJson(`${drifted.prefix}redis`)).State.Running, true);
    assert.match(readFileSync(configFile, 'utf8'), /^DEFAULT_TAG_EXPIRATION: 4w$/m, 'the drifted host was left as it was');
    assert.deepEqual(await startedOf(later), laterContainers, 'nothing re-created or restarted on the drifted host');

    writeFileSync(configFile, approved);
    const again = await tackle(['plan', PLAYBOOK, '-i', inventory, '--no-progress', '--out', planPath]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const left = (JSON.parse(readFileSync(planPath, 'utf8')) as PlanFile).hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}|${s.task}`));
    assert.deepEqual(left, []);
  });

  test('adding a super user with -e changes config.yaml and restarts quay and the mirroring worker alone; a hand-added key survives', async () => {
    const h = hosts[1]!;
    const configFile = join(h.quayRoot, 'config/config.yaml');
    writeFileSync(configFile, readFileSync(configFile, 'utf8') + '# added by the operator\nFEATURE_PROXY_CACHE: true\n');
    const started = async (): Promise<Record<string, string>> =>
      Object.fromEntries(await Promise.all(['quay', 'clairv4', 'mirroring-worker', 'redis', 'postgresql-quay'].map(async (c) => [c, (await inspectContainerJson(`${h.prefix}${c}`)).State.StartedAt] as const)));
    const before = await started();
    const r = await tackle(['run', PLAYBOOK, '-i', inventory, '--limit', h.name, '--no-progress', '--diff', '-e', '{"super_users": ["quayadmin", "ops"]}']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // config.yaml holds secrets, so --diff names the changed key without its value.
    assert.match(r.stdout, /^\+SUPER_USERS: \*+ \(new value\)$/m);
    const recap = parseRecap(r.stdout);
    assert.deepEqual([...recap.keys()], [h.name]);
    assert.equal(recap.get(h.name)!['changed'], 3, `config.yaml and the two restarts only:\n${r.stdout}`);
    const config = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(config['SUPER_USERS'], ['quayadmin', 'ops']);
    assert.equal(config['FEATURE_PROXY_CACHE'], true);
    assert.match(readFileSync(configFile, 'utf8'), /# added by the operator/);
    const after_ = await started();
    assert.notEqual(after_['quay'], before['quay'], 'quay restarted');
    assert.notEqual(after_['mirroring-worker'], before['mirroring-worker'], 'the mirroring worker reads config.yaml too: restarted');
    for (const c of ['clairv4', 'redis', 'postgresql-quay']) assert.equal(after_[c], before[c], `${c} was restarted`);
  });

  test('upgrade rolls new image tags out host by host; uninstall removes units, containers and trust but keeps data', async () => {
    const upgrade = await tackle([
      'run', join(ROOT, 'playbooks/quay-upgrade.yml'), '-i', inventory, '--no-progress',
      '-e', 'quay_image=localhost/tackle-test/busybox-quay:v3.7.1', '-e', 'clair_image=localhost/tackle-test/busybox-clair:v3.7.1',
    ]);
    assert.equal(upgrade.code, 0, upgrade.stdout + upgrade.stderr);
    const batches = upgrade.stdout.split('\n').filter((l) => l.startsWith('-- batch '));
    assert.equal(batches.length, 4, 'one host per batch');
    for (const h of hosts) {
      const quay = await inspectContainerJson(`${h.prefix}quay`);
      assert.equal(quay.ImageName, 'localhost/tackle-test/busybox-quay:v3.7.1');
      assert.match(readFileSync(join(h.sysroot, `etc/systemd/system/container-${h.prefix}quay.service`), 'utf8'), /quay:v3\.7\.1/);
    }

    const uninstall = await tackle(['run', join(ROOT, 'playbooks/quay-uninstall.yml'), '-i', inventory, '--no-progress', '--limit', 'host3:local1']);
    assert.equal(uninstall.code, 0, uninstall.stdout + uninstall.stderr);
    for (const h of [hosts[0]!, hosts[3]!]) {
      assert.deepEqual(await containersNamed(h.prefix), []);
      assert.deepEqual(readdirSync(join(h.sysroot, 'etc/systemd/system')).filter((f) => f.endsWith('.service')), []);
      assert.equal(existsSync(join(h.sysroot, 'etc/containers/certs.d', `${h.name}:${h.ports['quay_https_port']}`, 'ca.crt')), false);
      assert.doesNotMatch(run('openssl', ['verify', '-CAfile', join(h.sysroot, 'etc/ssl/certs/ca-certificates.crt'), join(h.quayRoot, 'config/ssl.cert')]).out, /: OK/);
      assert.ok(existsSync(join(h.quayRoot, 'config/config.yaml')), 'data kept without purge');
    }
    assert.ok((await containersNamed(hosts[1]!.prefix)).length === 6, 'hosts outside --limit untouched');

    const purge = await tackle(['run', join(ROOT, 'playbooks/quay-uninstall.yml'), '-i', inventory, '--no-progress', '--limit', 'host3', '-e', 'purge=true']);
    assert.equal(purge.code, 0, purge.stdout + purge.stderr);
    assert.equal(existsSync(hosts[3]!.quayRoot), false);
  });
});
