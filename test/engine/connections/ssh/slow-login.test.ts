import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackleOrHang } from '../../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/**
 * A ForceCommand that runs what it is sent, except that the login numbered `slowLogin` (SFTP
 * sessions not counted) first sleeps `seconds`, as a busy host runs a login shell late. Each
 * command login appends its number and command to `log`.
 */
function slowLoginScript(log: string, slowLogin: number, seconds: number): string {
  return `#!/bin/sh
case "$SSH_ORIGINAL_COMMAND" in
  internal-sftp|*sftp-server) exec ${SFTP_SERVER} ;;
esac
n=$(( $(wc -l < ${log} 2>/dev/null || echo 0) + 1 ))
printf '%s %s\\n' "$n" "$(printf '%s' "$SSH_ORIGINAL_COMMAND" | head -c 40 | tr '\\n' ' ')" >> ${log}
[ "$n" = ${slowLogin} ] && sleep ${seconds}
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
`;
}

const PLAYBOOK = `- hosts: all
  tasks:
    - name: marker
      command: { argv: [sh, -c, 'mkdir -p "$1" && touch "$1/marker"', sh, "{{ root }}"], creates: "{{ root }}/marker" }
    - name: config
      writeConfig: { path: "{{ root }}/app.yaml", content: { host: "{{ inventory_hostname }}" } }
`;

// host1 answers at once; host2's run lock (its first command login) starts 35 s late, past the
// 30 s a host has to start a command; host3's remote shell (its second) starts 4 s late, past a
// tackle_start_timeout of 3.
describe('a host that starts its first commands late', () => {
  let ssh: SshTestHosts;
  let dir: string;
  const logs: string[] = [];

  before(async () => {
    if (!existsSync(SFTP_SERVER)) throw new Error(`${SFTP_SERVER} not found: install the Debian package openssh-sftp-server`);
    dir = tempDir();
    const slow = [undefined, { login: 1, seconds: 35 }, { login: 2, seconds: 4 }];
    for (const [i, s] of slow.entries()) {
      logs[i] = join(dir, `logins-host${i + 1}.log`);
      if (!s) continue;
      const script = join(dir, `slow-login-host${i + 1}.sh`);
      writeFileSync(script, slowLoginScript(logs[i]!, s.login, s.seconds));
      chmodSync(script, 0o755);
    }
    ssh = await startSshHosts(3, { serverConfig: (i) => (slow[i] ? [`ForceCommand ${join(dir, `slow-login-host${i + 1}.sh`)}`] : []) });
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/{{ inventory_hostname }}` }).replace(/( {4}host3:\n)/, '$1      tackle_start_timeout: 3\n'));
    writeFileSync(join(dir, 'site.yml'), PLAYBOOK);
  });
  after(async () => {
    await ssh?.stop();
  });

  test('the late command is sent once more and every host finishes; a second run finds the locks free and changes nothing', async () => {
    const r = await tackleOrHang(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], dir, {}, 240_000);
    assert.ok(!r.hung, `the run never ended:\n${r.stdout}${r.stderr}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const recap = parseRecap(r.stdout);
    for (const host of ['host1', 'host2', 'host3']) {
      assert.deepEqual([recap.get(host)?.['changed'], recap.get(host)?.['unreachable'], recap.get(host)?.['failed']], [2, 0, 0], `${host}:\n${r.stdout}`);
      assert.ok(existsSync(join(dir, host, 'marker')), `${host}: the command ran`);
      assert.match(readFileSync(join(dir, host, 'app.yaml'), 'utf8'), new RegExp(`host: ${host}`));
    }
    // host2: the lock's command twice (the late one abandoned), then its shell; host3: the lock, then the shell twice.
    const commands = (i: number): string[] => readFileSync(logs[i]!, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' '));
    const count = (i: number, what: string): number => commands(i).filter((c) => c.includes(what)).length;
    assert.deepEqual([count(1, 'tackle-lock-started'), count(1, 'exec /bin/sh')], [2, 1], commands(1).join('\n'));
    assert.deepEqual([count(2, 'tackle-lock-started'), count(2, 'exec /bin/sh')], [1, 2], commands(2).join('\n'));

    const again = await tackleOrHang(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], dir, {}, 240_000);
    assert.ok(!again.hung, `the second run never ended:\n${again.stdout}${again.stderr}`);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const second = parseRecap(again.stdout);
    for (const host of ['host1', 'host2', 'host3']) assert.equal(second.get(host)?.['changed'], 0, `${host}:\n${again.stdout}`);
  });
});
