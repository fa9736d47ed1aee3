import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackle } from '../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { tempDir } from '../../helpers/task-harness.ts';

/** Sessions that ran a command (exec channels: remote shells, the run lock, one-off commands), as sshd logs them at VERBOSE; SFTP sessions are logged as subsystems. */
function commandSessions(log: string): number {
  return log.split('\n').filter((line) => /Starting session: command /.test(line)).length;
}

function sftpSessions(log: string): number {
  return log.split('\n').filter((line) => /Starting session: subsystem 'sftp'/.test(line)).length;
}

// Check and warm runs read state over SFTP only: on a thousand hosts every remote shell they
// would start is a login the hosts must serve, for nothing.
describe('commands a run sends to its hosts', () => {
  let ssh: SshTestHosts;
  let dir: string;

  before(async () => {
    ssh = await startSshHosts(2, { serverConfig: () => ['LogLevel VERBOSE'] });
    dir = tempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'app.conf.j2'), 'name={{ inventory_hostname }}\n');
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: join(dir, 'root-{{ inventory_hostname }}') }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - directory: { path: "{{ root }}/etc", mode: "0755" }
    - template: { src: app.conf.j2, dest: "{{ root }}/etc/app.conf", mode: "0644" }
    - writeConfig: { text: "static\\n", path: "{{ root }}/etc/static.txt", mode: "0600" }
`,
    );
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const logsSoFar = (): [number, number][] => ssh.hosts.map((_, i) => [commandSessions(ssh.serverLog(i)), sftpSessions(ssh.serverLog(i))]);
  const since = (before: [number, number][]): [number, number][] => logsSoFar().map(([c, s], i) => [c - before[i]![0], s - before[i]![1]]);

  test('--check before the first run: every host is reported, and no host is sent a command', async () => {
    const before = logsSoFar();
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--check'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of ['host1', 'host2']) assert.equal(parseRecap(r.stdout).get(h)?.changed, 3, r.stdout);
    const sessions = since(before);
    for (const [i, [commands, sftp]] of sessions.entries()) {
      assert.equal(commands, 0, `host${i + 1} was sent ${commands} command(s) in --check:\n${ssh.serverLog(i).slice(-2000)}`);
      assert.ok(sftp >= 1, `host${i + 1}: its state was not read over SFTP`);
    }
  });

  test('the first run creates the directory and writes the files over SFTP: its one command per host is the run lock', async () => {
    const before = logsSoFar();
    const first = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const h of ['host1', 'host2']) assert.equal(parseRecap(first.stdout).get(h)?.changed, 3, first.stdout);
    assert.equal(readFileSync(join(dir, 'root-host2', 'etc', 'app.conf'), 'utf8'), 'name=host2\n');
    assert.equal(statSync(join(dir, 'root-host1', 'etc')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(dir, 'root-host1', 'etc', 'static.txt')).mode & 0o7777, 0o600);
    for (const [i, [commands]] of since(before).entries()) {
      assert.equal(commands, 1, `host${i + 1} was sent ${commands} commands by a run that only makes a directory and writes files (expected the run lock only):\n${ssh.serverLog(i).slice(-2000)}`);
    }
  });

  test('a second run starts no remote shell: its one command per host is the run lock', async () => {
    const before = logsSoFar();
    const warm = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
    assert.equal(warm.code, 0, warm.stdout + warm.stderr);
    for (const h of ['host1', 'host2']) assert.deepEqual(parseRecap(warm.stdout).get(h), { ok: 3, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, warm.stdout);
    for (const [i, [commands]] of since(before).entries()) {
      assert.equal(commands, 1, `host${i + 1} was sent ${commands} commands in a run that changed nothing (expected the run lock only):\n${ssh.serverLog(i).slice(-2000)}`);
    }
  });
});
