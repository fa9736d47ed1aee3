import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, TACKLE_FROM_SOURCE, type CliResult } from '../../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

/** The CLI, killed (and the test failed) if it has not finished after `guardMs`: the stall this test is about. */
function tackleOrHang(args: string[], cwd: string, env: Record<string, string>, guardMs: number): Promise<CliResult & { hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, guardMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? -1, stdout, stderr, hung });
    });
  });
}

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
      const r = await tackleOrHang(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], dir, mode === 'channel' ? { TACKLE_SSH_EXEC: 'channel' } : {}, 240_000);
      assert.ok(!r.hung, `the run never ended:\n${r.stdout}${r.stderr}`);
      assert.equal(r.code, 4, r.stdout + r.stderr);
      const recap = parseRecap(r.stdout);
      assert.equal(recap.get('host1')?.['failed'], 0, r.stdout);
      assert.equal(recap.get('host1')?.['unreachable'], 0, r.stdout);
      assert.equal(recap.get('host2')?.['unreachable'], 1, r.stdout);
      assert.match(r.stdout, /host2.*logged in, but .* the host runs no command/, r.stdout);
      assert.match(r.stdout, /\.tackle-retry/, 'the retry file names the unreachable host');
    });
  }
});
