import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackleOrHang } from '../../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

// host2 logs in, but its ForceCommand never returns: no shell ever answers, no command ever runs.
describe('a host that logs in but never runs a command', () => {
  let ssh: SshTestHosts;
  let dir: string;

  before(async () => {
    ssh = await startSshHosts(2, { serverConfig: (i) => (i === 1 ? ['ForceCommand exec sleep 400'] : []) });
    dir = tempDir();
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/{{ inventory_hostname }}` }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  tasks:
    - name: marker
      command: { argv: [sh, -c, 'mkdir -p "$1" && touch "$1/marker"', sh, "{{ root }}"], creates: "{{ root }}/marker" }
    - name: config
      writeConfig: { path: "{{ root }}/app.yaml", content: { host: "{{ inventory_hostname }}" } }
`,
    );
  });
  after(async () => {
    await ssh?.crashHost(1); // its sessions' sleeps too
    await ssh?.stop();
  });

  for (const mode of ['shell', 'channel'] as const) {
    test(`ends unreachable while the other host finishes (commands through ${mode === 'shell' ? 'persistent shells' : 'one channel each'})`, async () => {
      // The default start timeout with shells; a shorter one (as -e sets it) with channels.
      const args = ['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', ...(mode === 'channel' ? ['-e', 'tackle_start_timeout=10'] : [])];
      const r = await tackleOrHang(args, dir, mode === 'channel' ? { TACKLE_SSH_EXEC: 'channel' } : {}, 240_000);
      assert.ok(!r.hung, `the run never ended:\n${r.stdout}${r.stderr}`);
      assert.equal(r.code, 4, r.stdout + r.stderr);
      const recap = parseRecap(r.stdout);
      assert.equal(recap.get('host1')?.['failed'], 0, r.stdout);
      assert.equal(recap.get('host1')?.['unreachable'], 0, r.stdout);
      assert.equal(recap.get('host2')?.['unreachable'], 1, r.stdout);
      assert.match(r.stdout, new RegExp(`host2.*logged in, but .* within ${mode === 'channel' ? 10 : 30} s.*: the host runs no command`), r.stdout);
      assert.match(r.stdout, /\.tackle-retry/, 'the retry file names the unreachable host');
    });
  }
});
