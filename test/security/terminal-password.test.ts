import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vaultEncrypt } from '../../engine/load/vault.ts';
import { TACKLE_FROM_SOURCE } from '../helpers/cli.ts';
import { tempDir } from '../helpers/task-harness.ts';

const PASSWORD = 'Typed-Vault-Pass-4711';

interface Typed {
  /** The terminal while the password was typed, before Enter. */
  typing: string;
  /** The terminal once tackle ended (its exit code is on it as `tackle-exit=N`). */
  end: string;
}

/** Runs tackle in a real terminal (tmux), types `answer` at `prompt`, and returns what the screen showed. */
async function typeIntoTackle(args: string[], cwd: string, prompt: RegExp, answer: string): Promise<Typed> {
  if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).error) throw new Error('tmux not found: install the Debian package tmux');
  const socket = `tackle-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const tmux = (a: string[]): string => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
  const screen = (): string => tmux(['capture-pane', '-p', '-t', 'tty', '-S', '-100']);
  const waitFor = async (pattern: RegExp, what: string): Promise<string> => {
    const deadline = Date.now() + 60_000;
    let shown = '';
    while (Date.now() < deadline) {
      if (pattern.test((shown = screen()))) return shown;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} never showed on the terminal; it shows:\n${shown}`);
  };
  const command = [process.execPath, ...TACKLE_FROM_SOURCE, ...args].map((a) => `'${a}'`).join(' ');
  tmux(['new-session', '-d', '-s', 'tty', '-x', '200', '-y', '50', '-c', cwd, `${command}; echo "tackle-exit=$?"; sleep 120`]);
  try {
    await waitFor(prompt, 'the prompt');
    tmux(['send-keys', '-t', 'tty', '-l', answer]);
    await new Promise((r) => setTimeout(r, 300));
    const typing = screen();
    tmux(['send-keys', '-t', 'tty', 'Enter']);
    return { typing, end: await waitFor(/tackle-exit=\d+/, 'the end of tackle') };
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  }
}

function assertNotShown(typed: Typed, secret: string): void {
  assert.ok(!typed.typing.includes(secret), `the typed password is on the screen:\n${typed.typing}`);
  assert.ok(!typed.end.includes(secret), `the typed password is on the screen:\n${typed.end}`);
}

test('tackle vault asks for the password on a real terminal without echoing what is typed', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.yml'), vaultEncrypt('db_password: opened-by-the-typed-password\n', PASSWORD));
  const typed = await typeIntoTackle(['vault', 'view', 'secrets.yml'], dir, /Vault password:/, PASSWORD);
  assert.match(typed.end, /tackle-exit=0/, typed.end);
  assert.match(typed.end, /db_password: opened-by-the-typed-password/, typed.end);
  assertNotShown(typed, PASSWORD);
});

test('a private vars_prompt reads its answer on a real terminal without echoing it', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: admin_password
      prompt: Admin password
  tasks:
    - name: the answer arrived whole
      command: { argv: [test, "{{ admin_password }}", "=", "${PASSWORD}"], changedWhen: never }
`,
  );
  const typed = await typeIntoTackle(['run', 'site.yml', '--no-progress'], dir, /Admin password:/, PASSWORD);
  assert.match(typed.end, /tackle-exit=0/, typed.end);
  assert.match(typed.end, /localhost\s+: ok=1 /, typed.end);
  assertNotShown(typed, PASSWORD);
});

test('--ask-vault-pass asks on a real terminal without echo, and the typed password opens the vars file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.yml'), vaultEncrypt('db_password: opened-by-ask-vault-pass\n', PASSWORD));
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: localhost
  gather_facts: false
  vars_files: [secrets.yml]
  tasks:
    - name: the vars file opened
      command: { argv: [test, "{{ db_password }}", "=", opened-by-ask-vault-pass], changedWhen: never }
`,
  );
  const typed = await typeIntoTackle(['run', 'site.yml', '--no-progress', '--ask-vault-pass'], dir, /Vault password:/, PASSWORD);
  assert.match(typed.end, /tackle-exit=0/, typed.end);
  assert.match(typed.end, /localhost\s+: ok=1 /, typed.end);
  assertNotShown(typed, PASSWORD);
});

test('-K asks for the sudo password on a real terminal without echo, and sudo takes it (a login user whose sudo asks)', async () => {
  const user = 'tackle-ask-become';
  const sudoers = `/etc/sudoers.d/${user}`;
  const { startSshHosts } = await import('../helpers/sshd.ts');
  const ssh = await startSshHosts(1);
  try {
    if (spawnSync('id', ['-u', user], { stdio: 'ignore' }).status !== 0) execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', user]);
    execFileSync('chpasswd', { input: `${user}:${PASSWORD}\n` });
    execFileSync('sh', ['-c', 'umask 0337 && cat > "$1"', 'sh', sudoers], { input: `${user} ALL=(ALL:ALL) ALL\n` });
    const dir = tempDir();
    const h = ssh.hosts[0]!;
    writeFileSync(join(dir, 'hosts.yml'), `all:\n  hosts:\n    host1: { ansible_host: ${h.address}, ansible_port: ${h.port}, ansible_ssh_private_key_file: ${ssh.clientKeyFile}, tackle_known_hosts_file: ${ssh.knownHostsFile} }\n`);
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: host1
  gather_facts: false
  tasks:
    - name: root through sudo
      command: { argv: [sh, -c, 'test "$(id -un)" = root'], changedWhen: never }
`,
    );
    const typed = await typeIntoTackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', '-u', user, '-b', '-K'], dir, /BECOME password:/, PASSWORD);
    assert.match(typed.end, /tackle-exit=0/, typed.end);
    assert.match(typed.end, /host1\s+: ok=1 /, typed.end);
    assertNotShown(typed, PASSWORD);
  } finally {
    spawnSync('rm', ['-f', sudoers]);
    spawnSync('userdel', ['--remove', user], { stdio: 'ignore' });
    await ssh.stop();
  }
});
