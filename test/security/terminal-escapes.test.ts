import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { tackle } from '../helpers/cli.ts';

for (const kind of ['local', 'ssh'] as const) {
  describe(`a host's output cannot drive the operator's terminal (${kind})`, () => {
    let ssh: SshTestHosts | undefined;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `tackle-h6-esc-${kind}-`));
      if (kind === 'ssh') {
        ssh = await startSshHosts(1);
        writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml().replace('host1:', 'target:'));
      } else {
        writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
      }
      // OSC 52 (write the clipboard), then a carriage return and erase-line faking an ok line.
      writeFileSync(
        join(dir, 'site.yml'),
        `- hosts: all
  tasks:
    - name: hostile stderr
      ignore_errors: true
      command: {argv: [sh, -c, 'printf "\\\\033]52;c;ZXZpbA==\\\\007\\\\r\\\\033[2Kok: [target] all good" >&2; exit 1']}
`,
      );
    });
    after(async () => {
      await ssh?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('escape, bell and carriage return are printed escaped', async () => {
      const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /[\u001b\u0007\r]/, `raw control characters reached the terminal:\n${JSON.stringify(r.stdout)}`);
      assert.ok(r.stdout.includes('\\x1b]52;c;ZXZpbA==\\x07\\x0d\\x1b[2Kok: [target] all good'), r.stdout);
    });
  });
}
