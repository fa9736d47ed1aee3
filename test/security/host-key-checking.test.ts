import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

/** Values that are not an explicit false: each must leave checking on (or be refused), never off. */
const NOT_FALSE: Record<string, unknown> = { h_null: null, h_empty: '', h_strict: 'strict', h_enabled: 'enabled', h_y: 'y' };

describe('host key checking fails closed (ssh)', () => {
  let ssh: SshTestHosts;
  let dir: string;
  before(async () => {
    ssh = await startSshHosts(1);
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-hkc-'));
    writeFileSync(join(dir, 'empty_known_hosts'), '');
    const h = ssh.hosts[0]!;
    const base = {
      ansible_host: h.address,
      ansible_port: h.port,
      ansible_user: 'root',
      ansible_ssh_private_key_file: ssh.clientKeyFile,
      tackle_known_hosts_file: join(dir, 'empty_known_hosts'),
    };
    const hosts: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(NOT_FALSE)) hosts[name] = { ...base, tackle_host_key_checking: value };
    hosts['h_off'] = { ...base, tackle_host_key_checking: false };
    hosts['h_ansible_off'] = { ...base, ansible_host_key_checking: 'no' };
    writeFileSync(join(dir, 'hosts.yml'), stringify({ all: { hosts } }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  tasks:
    - command: {argv: [touch, "${dir}/reached-{{ inventory_hostname }}"]}
    - command: {argv: ["true"]}
`,
    );
  });
  after(async () => {
    await ssh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('null, "", "strict", "enabled", "y": the unknown host is never reached; only an explicit false connects, with a warning once per host', async () => {
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
    assert.notEqual(r.code, 0, r.stdout);
    for (const name of Object.keys(NOT_FALSE)) {
      assert.equal(existsSync(join(dir, `reached-${name}`)), false, `${name} was reached with checking off:\n${r.stdout}`);
    }
    assert.match(r.stdout, /h_strict.*tackle_host_key_checking is "strict"; it takes true or false/);
    assert.equal(existsSync(join(dir, 'reached-h_off')), true, r.stdout);
    assert.equal(existsSync(join(dir, 'reached-h_ansible_off')), true, r.stdout);
    const recap = parseRecap(r.stdout);
    assert.equal(recap.get('h_off')?.['changed'], 2, r.stdout);
    for (const name of ['h_off', 'h_ansible_off']) {
      const warnings = r.stdout.split('\n').filter((l) => l.includes(`[${name}] WARNING: host key checking is off`));
      assert.equal(warnings.length, 1, `one warning for ${name}:\n${r.stdout}`);
    }
  });
});
