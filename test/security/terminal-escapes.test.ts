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

describe('a host name cannot drive the operator\'s terminal either', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-esc-names-'));
    writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  tasks:\n    - name: t\n      command: {argv: ["true"]}\n');
    // A name from a generated inventory: OSC 52 writes the clipboard, as in the recap line it would head.
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    good: {ansible_connection: local}\n    "evil\\e]52;c;ZXZpbA==\\a": {ansible_connection: local}\n');
    writeFileSync(join(dir, 'hosts.ini'), '[web]\ngood ansible_connection=local\nevil\u001b]52;c;ZXZpbA==\u0007 ansible_connection=local\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [inventory, position] of [['hosts.yml', 'hosts.yml:4:'], ['hosts.ini', 'hosts.ini:3:1:'], ['good,evil\u001b[2K,', '-i:1:1:']] as const) {
    test(`a name with control characters in ${inventory.includes(',') ? 'a host list' : inventory} is an input error at its line, shown escaped; nothing runs`, async () => {
      const r = await tackle(['run', 'site.yml', '-i', inventory, '--no-progress', '-c', 'local'], { cwd: dir });
      assert.equal(r.code, 5, r.stdout + r.stderr);
      const out = r.stdout + r.stderr;
      assert.doesNotMatch(out, /[\u001b\u0007]/, `raw control characters reached the terminal:\n${JSON.stringify(out)}`);
      assert.ok(out.includes(position), out);
      assert.match(out, /host name "evil\\u001b.*" holds control characters/);
      assert.doesNotMatch(out, /PLAY RECAP/);
    });
  }
});
