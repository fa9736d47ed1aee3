import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

const OLD_PASSWORD = 'quay-db-old-Zq81xT';
const NEW_PASSWORD = 'quay-db-new-Lw42pR';

function playbook(dir: string, password: string): string {
  return `- hosts: all
  tasks:
    - systemdEnable:
        name: quay
        image: registry.example.com/quay/quay-rhel8:v3.4.0
        env: {DB_PASSWORD: "${password}", LOG_LEVEL: info}
        sysroot: ${join(dir, 'root')}
`;
}

for (const kind of ['local', 'ssh'] as const) {
  describe(`systemdEnable keeps env values out of the 0644 unit (${kind})`, () => {
    let ssh: SshTestHosts | undefined;
    let dir: string;
    let unit: string;
    let envFile: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `tackle-h5-unit-env-${kind}-`));
      if (kind === 'ssh') {
        ssh = await startSshHosts(1);
        writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml().replace('host1:', 'target:'));
      } else {
        writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
      }
      unit = join(dir, 'root/etc/systemd/system/container-quay.service');
      envFile = join(dir, 'root/etc/tackle/env/container-quay.env');
    });
    after(async () => {
      await ssh?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the value lives only in a 0600 env file the unit names; --diff names the key, never a value', async () => {
      writeFileSync(join(dir, 'site.yml'), playbook(dir, OLD_PASSWORD));
      const first = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--diff'], { cwd: dir });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const unitText = readFileSync(unit, 'utf8');
      assert.equal(statSync(unit).mode & 0o777, 0o644);
      assert.ok(!unitText.includes(OLD_PASSWORD), `the secret is in the world-readable unit:\n${unitText}`);
      assert.match(unitText, /^EnvironmentFile=\/etc\/tackle\/env\/container-quay\.env$/m);
      assert.match(unitText, /-e DB_PASSWORD \\$/m);
      assert.equal(statSync(envFile).mode & 0o777, 0o600);
      assert.match(readFileSync(envFile, 'utf8'), new RegExp(`^DB_PASSWORD="${OLD_PASSWORD}"$`, 'm'));
      assert.ok(!first.stdout.includes(OLD_PASSWORD), first.stdout);

      writeFileSync(join(dir, 'site.yml'), playbook(dir, NEW_PASSWORD));
      const check = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--check', '--diff'], { cwd: dir });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.equal(parseRecap(check.stdout).get('target')?.['changed'], 1, check.stdout);
      assert.match(check.stdout, /^\+DB_PASSWORD \(new value, hidden\)$/m);
      assert.doesNotMatch(check.stdout, /^[+-]LOG_LEVEL/m, 'an unchanged key was shown as changed');
      for (const secret of [OLD_PASSWORD, NEW_PASSWORD]) assert.ok(!check.stdout.includes(secret), check.stdout);
      assert.match(readFileSync(envFile, 'utf8'), new RegExp(OLD_PASSWORD), '--check changed the env file');

      const apply = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      assert.match(readFileSync(envFile, 'utf8'), new RegExp(`^DB_PASSWORD="${NEW_PASSWORD}"$`, 'm'));
      assert.equal(readFileSync(unit, 'utf8'), unitText, 'the unit changed with an env value');

      chmodSync(envFile, 0o644);
      const widened = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
      assert.equal(parseRecap(widened.stdout).get('target')?.['changed'], 1, widened.stdout);
      assert.equal(statSync(envFile).mode & 0o777, 0o600, 'a widened env file was left readable');
      const again = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
      assert.equal(parseRecap(again.stdout).get('target')?.['changed'], 0, again.stdout);
    });
  });
}

describe('an image (or container) name that starts with "-" never lands among podman\'s options', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-h5-image-'));
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a literal one is refused at validate time, with FILE:LINE:COL, in systemdEnable and every podman task', async () => {
    writeFileSync(
      join(dir, 'literal.yml'),
      `- hosts: all
  tasks:
    - systemdEnable:
        name: web
        image: --privileged
    - podmanRun:
        name: web
        image: --privileged
    - podmanImage:
        name: --all
        state: absent
    - podmanExec:
        container: --privileged
        argv: ["true"]
`,
    );
    const r = await tackle(['validate', 'literal.yml'], { cwd: dir });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    for (const line of [5, 8, 10, 13]) assert.match(r.stderr, new RegExp(`^literal\\.yml:${line}:\\d+: `, 'm'), r.stderr);
  });

  test('a templated one fails the task at run time, before anything is written or run', async () => {
    const root = join(dir, 'root');
    writeFileSync(
      join(dir, 'templated.yml'),
      `- hosts: all
  vars: {img: "--privileged"}
  tasks:
    - systemdEnable:
        name: web
        image: "{{ img }}"
        sysroot: ${root}
      ignore_errors: true
    - podmanRun:
        name: web
        image: "{{ img }}"
`,
    );
    const r = await tackle(['run', 'templated.yml', '-i', 'hosts.yml'], { cwd: dir });
    assert.notEqual(r.code, 0, r.stdout);
    const recap = parseRecap(r.stdout).get('target');
    assert.equal(recap?.['failed'], 1, r.stdout);
    assert.equal(recap?.['ignored'], 1, r.stdout);
    assert.match(r.stdout, /image/);
    assert.equal(existsSync(join(root, 'etc/systemd/system/container-web.service')), false, 'a unit was written with the option as its image');
  });
});
