import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tackle } from '../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { tempDir } from '../helpers/task-harness.ts';

// -u, --private-key, -c, -T, -b and --become-user over a real sshd: each acts where nothing else
// sets its variable, and the inventory, the play and -e beat it, as Ansible's precedence says.
let ssh: SshTestHosts;
let dir: string;

before(async () => {
  ssh = await startSshHosts(1);
  dir = tempDir();
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: host1
  gather_facts: false
  tasks:
    - name: who
      command: { argv: [id, -un], changedWhen: never }
      register: who
    - name: record
      writeConfig: { path: "{{ out }}", text: "{{ who.stdout }} {{ ansible_connection | default('-') }}\\n" }
`,
  );
});
after(() => ssh.stop());

/** An inventory of host1 with these variables (null leaves one out). */
function inventory(name: string, vars: Record<string, unknown>): string {
  const h = ssh.hosts[0]!;
  const all = { ansible_host: h.address, ansible_port: h.port, ansible_ssh_private_key_file: ssh.clientKeyFile, tackle_known_hosts_file: ssh.knownHostsFile, ...vars };
  const file = join(dir, `${name}.yml`);
  writeFileSync(file, stringify({ all: { hosts: { host1: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) } } }));
  return file;
}

async function run(inv: string, args: string[], out: string): Promise<{ code: number; text: string; recorded: string }> {
  const r = await tackle(['run', 'site.yml', '-i', inv, '--no-progress', '-e', `out=${join(dir, out)}`, ...args], { cwd: dir });
  let recorded = '';
  try {
    recorded = readFileSync(join(dir, out), 'utf8');
  } catch {
    // not written
  }
  return { code: r.code, text: r.stdout + r.stderr, recorded };
}

test('-u is the login user where the inventory names none; ansible_user and -e ansible_user beat it', async () => {
  const open = inventory('no-user', {});
  const wrong = await run(open, ['-u', 'tackle-no-such-user'], 'u1');
  assert.equal(wrong.code, 4, wrong.text);
  assert.match(wrong.text, /tackle-no-such-user/);
  const right = await run(open, ['-u', 'root'], 'u2');
  assert.equal(right.code, 0, right.text);
  assert.equal(right.recorded, 'root -\n');
  const inInventory = await run(inventory('root-user', { ansible_user: 'root' }), ['-u', 'tackle-no-such-user'], 'u3');
  assert.equal(inInventory.code, 0, inInventory.text);
  const extra = await run(inventory('bad-user', { ansible_user: 'tackle-no-such-user' }), ['-e', 'ansible_user=root'], 'u4');
  assert.equal(extra.code, 0, extra.text);
});

test('--private-key gives the key where the inventory gives none', async () => {
  const open = inventory('no-key', { ansible_user: 'root', ansible_ssh_private_key_file: null });
  const without = await run(open, [], 'k1');
  assert.equal(without.code, 4, without.text);
  const withKey = await run(open, ['--private-key', ssh.clientKeyFile], 'k2');
  assert.equal(withKey.code, 0, withKey.text);
  assert.equal(withKey.recorded, 'root -\n');
});

test('-c local and -e ansible_connection=local act on the connection; an inventory ansible_connection beats -c', async () => {
  const nowhere = inventory('nowhere', { ansible_host: '127.0.0.1', ansible_port: 1, ansible_user: 'root' });
  const over = await run(nowhere, [], 'c1');
  assert.equal(over.code, 4, over.text);
  const local = await run(nowhere, ['-c', 'local'], 'c2');
  assert.equal(local.code, 0, local.text);
  const pinned = inventory('pinned-ssh', { ansible_host: '127.0.0.1', ansible_port: 1, ansible_user: 'root', ansible_connection: 'ssh' });
  const beaten = await run(pinned, ['-c', 'local'], 'c3');
  assert.equal(beaten.code, 4, beaten.text);
  const extra = await run(pinned, ['-e', 'ansible_connection=local'], 'c4');
  assert.equal(extra.code, 0, extra.text);
  assert.equal(extra.recorded, 'root local\n');
  const refused = await run(nowhere, ['-c', 'docker'], 'c5');
  assert.equal(refused.code, 5);
  assert.match(refused.text, /^tackle: -c docker: tackle connects with 'ssh' or 'local' only$/m);
});

test('-e beats the inventory for ansible_host, ansible_port and tackle_known_hosts_file', async () => {
  const emptyKnownHosts = join(dir, 'empty_known_hosts');
  writeFileSync(emptyKnownHosts, '');
  const h = ssh.hosts[0]!;
  const wrong = inventory('wrong-target', { ansible_user: 'root', ansible_host: '127.0.0.2', ansible_port: 1, tackle_known_hosts_file: emptyKnownHosts });
  const as = await run(wrong, [], 'e1');
  assert.equal(as.code, 4, as.text);
  const fixed = await run(wrong, ['-e', `ansible_host=${h.address} ansible_port=${h.port}`, '-e', `tackle_known_hosts_file=${ssh.knownHostsFile}`], 'e2');
  assert.equal(fixed.code, 0, fixed.text);
  const unknownKey = await run(wrong, ['-e', `ansible_host=${h.address} ansible_port=${h.port}`], 'e3');
  assert.equal(unknownKey.code, 4, unknownKey.text);
  assert.match(unknownKey.text, /known/i);
});

test('-T bounds the connect: a port that accepts and never speaks is unreachable, naming the timeout', async () => {
  const held: Socket[] = [];
  const silent: Server = createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as { port: number }).port;
    const r = await run(inventory('silent', { ansible_user: 'root', ansible_port: port }), ['-T', '1'], 't1');
    assert.equal(r.code, 4, r.text);
    assert.match(r.text, /time/i);
    const bad = await run(inventory('silent2', { ansible_user: 'root', ansible_port: port }), ['-T', 'soon'], 't2');
    assert.equal(bad.code, 5);
    assert.match(bad.text, /-T \(--timeout\) takes whole seconds >= 1, got 'soon'/);
  } finally {
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('-b and --become-user run the tasks with sudo; a play become: false beats -b', async () => {
  const inv = inventory('become', { ansible_user: 'root' });
  const playbook = (playBecome: string): string => `- hosts: host1
  gather_facts: false${playBecome}
  tasks:
    - name: who
      command: { argv: [id, -un], changedWhen: never }
      register: who
    - name: record as the login user
      become: false
      writeConfig: { path: "{{ out }}", text: "{{ who.stdout }}\\n" }
`;
  writeFileSync(join(dir, 'play-become.yml'), playbook(''));
  writeFileSync(join(dir, 'play-no-become.yml'), playbook('\n  become: false'));
  for (const [file, out, expected] of [['play-become.yml', 'b1', 'nobody\n'], ['play-no-become.yml', 'b2', 'root\n']] as const) {
    const r = await tackle(['run', file, '-i', inv, '--no-progress', '-b', '--become-user', 'nobody', '-e', `out=${join(dir, out)}`], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(dir, out), 'utf8'), expected, file);
  }
});

test('-K without a terminal is refused before anything runs, saying why', async () => {
  const r = await run(inventory('ask', { ansible_user: 'root' }), ['-b', '-K'], 'ask');
  assert.equal(r.code, 5);
  assert.match(r.text, /^tackle: -K \(--ask-become-pass\) asks on a terminal, and stdin is not one: /m);
  assert.equal(r.recorded, '');
});
