import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

// Five real sshd hosts on loopback plus one local host, driven through the real CLI.
describe('tackle run over ssh on 5 hosts and local', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let inventory: string;
  let playbook: string;
  const hostNames = ['host1', 'host2', 'host3', 'host4', 'host5', 'box'];

  before(async () => {
    ssh = await startSshHosts(5);
    dir = mkdtempSync(join(tmpdir(), 'tackle-cli-'));
    inventory = join(dir, 'hosts.yml');
    // Each host writes under its own root, so six hosts share this machine without colliding.
    const sshInventory = ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` });
    writeFileSync(
      inventory,
      sshInventory.replace(/^all:\n/, `all:\n  vars:\n    greeting: hello\n`) +
        `    box:\n      ansible_connection: local\n      root: "${dir}/roots/box"\n`,
    );
    playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      `- name: converge
  hosts: all
  tasks:
    - name: config file
      writeConfig:
        path: "{{ root }}/app.yaml"
        createDirs: true
        content:
          host: "{{ inventory_hostname }}"
          greeting: "{{ greeting | upper }}"
          users: "{{ users | default(['quayadmin']) }}"
      notify: [record restart]
    - name: marker
      command:
        argv: [touch, "{{ root }}/marker"]
        creates: "{{ root }}/marker"
  handlers:
    - name: record restart
      command:
        argv: [sh, -c, 'echo restarted >> "$1"', sh, "{{ root }}/restarts"]
`,
    );
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('check on fresh hosts predicts, touches nothing; run changes exactly that; second run changes nothing', async () => {
    const reportCheck = join(dir, 'check.json');
    const check = await tackle(['run', playbook, '-i', inventory, '--check', '--no-progress', '--report', reportCheck]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const h of hostNames) assert.equal(existsSync(join(dir, 'roots', h)), false, `check mode created ${h}'s root`);
    const predicted = JSON.parse(readFileSync(reportCheck, 'utf8')) as { check: boolean; results: { host: string; task: string; status: string }[] };
    assert.equal(predicted.check, true);

    const reportRun = join(dir, 'run.json');
    const run = await tackle(['run', playbook, '-i', inventory, '--no-progress', '--report', reportRun]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const applied = JSON.parse(readFileSync(reportRun, 'utf8')) as { check: boolean; hosts: Record<string, Record<string, number>>; results: { host: string; task: string; status: string }[] };
    const changedSet = (r: { results: { host: string; task: string; status: string }[] }): string[] =>
      r.results.filter((x) => x.status === 'changed').map((x) => `${x.host}/${x.task}`).sort();
    assert.deepEqual(changedSet(applied), changedSet(predicted), 'plan equals apply');
    assert.equal(changedSet(applied).length, hostNames.length * 3);
    for (const h of hostNames) {
      assert.deepEqual(applied.hosts[h], { ok: 3, changed: 3, failed: 0, unreachable: 0, skipped: 0, ignored: 0 });
      assert.equal(readFileSync(join(dir, 'roots', h, 'app.yaml'), 'utf8'), `host: ${h}\ngreeting: HELLO\nusers:\n  - quayadmin\n`);
      assert.equal(readFileSync(join(dir, 'roots', h, 'restarts'), 'utf8'), 'restarted\n');
    }
    const recap = parseRecap(run.stdout);
    assert.deepEqual([...recap.keys()].sort(), [...hostNames].sort());

    const again = await tackle(['run', playbook, '-i', inventory, '--no-progress']);
    assert.equal(again.code, 0);
    for (const [h, c] of parseRecap(again.stdout)) assert.equal(c['changed'], 0, `${h} changed on the second run`);
    for (const h of hostNames) assert.equal(readFileSync(join(dir, 'roots', h, 'restarts'), 'utf8'), 'restarted\n', 'handler ran again');
  });

  test('-e changes one value: only the config task changes and the handler runs once per host', async () => {
    const run = await tackle(['run', playbook, '-i', inventory, '--no-progress', '--diff', '-e', '{"users": ["quayadmin", "ops"]}', '--limit', 'host2:box']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const recap = parseRecap(run.stdout);
    assert.deepEqual([...recap.keys()].sort(), ['box', 'host2']);
    assert.equal(recap.get('host2')!['changed'], 2);
    assert.match(run.stdout, /\+  - ops/);
    assert.equal(readFileSync(join(dir, 'roots', 'host2', 'restarts'), 'utf8'), 'restarted\nrestarted\n');
    assert.equal(readFileSync(join(dir, 'roots', 'host3', 'restarts'), 'utf8'), 'restarted\n', '--limit left host3 alone');
  });

  test('an unreachable host is reported, the others finish, exit 4, and a retry file names it', async () => {
    const pb = join(dir, 'touch.yml');
    writeFileSync(pb, `- hosts: all\n  tasks:\n    - name: stamp\n      command:\n        argv: [touch, "{{ root }}/stamp"]\n`);
    await ssh.stopHost(3);
    const run = await tackle(['run', pb, '-i', inventory, '--no-progress'], { cwd: dir });
    assert.equal(run.code, 4, run.stdout + run.stderr);
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host4')!['unreachable'], 1);
    for (const h of ['host1', 'host2', 'host3', 'host5', 'box']) {
      assert.equal(recap.get(h)!['changed'], 1);
      assert.ok(existsSync(join(dir, 'roots', h, 'stamp')));
    }
    assert.equal(readFileSync(join(dir, '.tackle-retry', 'touch.retry'), 'utf8'), 'host4\n');
    assert.match(run.stdout, /--limit @\.tackle-retry\/touch\.retry/);
  });
});
