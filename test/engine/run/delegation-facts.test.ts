import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap } from '../../helpers/cli.ts';
import { startRollout, type Rollout } from '../../helpers/rollout-fixture.ts';

// delegate_to, run_once, local_action and facts on real sshd hosts (loopback, one port each: a
// command's SSH_CONNECTION names the port of the sshd it came through, so the port says which host ran it).
describe('delegation and facts on 4 ssh hosts', () => {
  let r: Rollout;
  before(async () => {
    r = await startRollout(4);
  });
  after(async () => {
    await r?.stop();
  });
  const portOf = (name: string): number => r.ssh.hosts.find((h) => h.name === name)!.port;

  test('run_once + delegate_to runs once, on the delegate, with the first host\'s variables; every host sees the result', async () => {
    const pb = r.playbook(
      'drain.yml',
      `- hosts: web
  gather_facts: false
  serial: 3
  tasks:
    - name: drain from the load balancer
      command:
        argv: [sh, -c, 'echo "$1 $(echo $SSH_CONNECTION | cut -d" " -f4)" >> "$2/drained"', x, "{{ inventory_hostname }}", "${r.dir}"]
      delegate_to: host4
      run_once: true
      register: drain
    - name: every host sees the registered result
      command: { argv: [sh, -c, 'mkdir -p "$1" && echo "$2" > "$1/seen"', x, "{{ root }}", "{{ drain.status }}"] }
    - name: local_action runs on the controller
      local_action: { module: command, argv: [sh, -c, 'echo "$1 [$SSH_CONNECTION]" >> "$2/local"', x, "{{ inventory_hostname }}", "${r.dir}"] }
`,
    );
    const run = await r.run(pb);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(readFileSync(join(r.dir, 'drained'), 'utf8'), `host1 ${portOf('host4')}\n`);
    for (const h of ['host1', 'host2', 'host3']) assert.equal(readFileSync(join(r.root(h), 'seen'), 'utf8'), 'changed\n', h);
    const local = readFileSync(join(r.dir, 'local'), 'utf8').trim().split('\n').sort();
    assert.deepEqual(local, ['host1 []', 'host2 []', 'host3 []']);
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host1')?.changed, 3);
    assert.equal(recap.get('host2')?.changed, 2, 'the run_once task counts on the host it ran for only');
    assert.equal(recap.has('host4'), false, 'the delegate is not a play host');
  });

  test('facts over ssh: the typed subset, in one round trip per host, match what the host says', async () => {
    const pb = r.playbook(
      'facts.yml',
      `- hosts: all
  tasks:
    - name: record facts
      command:
        argv: [sh, -c, 'mkdir -p "$1" && printf "%s\\n" "$2" > "$1/facts"', x, "{{ root }}", "{{ ansible_facts.hostname }}|{{ ansible_hostname }}|{{ ansible_facts.architecture }}|{{ ansible_facts.processor_vcpus }}|{{ ansible_memtotal_mb }}|{{ ansible_facts.user_id }}|{{ ansible_facts.os_family }}|{{ ansible_distribution_major_version }}|{{ ansible_facts.env.HOME }}|{{ ansible_default_ipv4.interface | default('none') }}"]
- hosts: host1
  gather_facts: false
  tasks:
    - name: facts stay cached for the run
      command: { argv: [sh, -c, 'echo "$1" > "$2/cached"', x, "{{ ansible_hostname }}", "{{ root }}"] }
`,
    );
    const run = await r.run(pb, '-v');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const { hostname, arch, cpus, memMb, osFamily, major, iface } = localFacts();
    for (const h of r.names) {
      assert.equal(readFileSync(join(r.root(h), 'facts'), 'utf8'), `${hostname}|${hostname}|${arch}|${cpus}|${memMb}|root|${osFamily}|${major}|/root|${iface}\n`, h);
      assert.equal((run.stdout.match(new RegExp(`\\[${h}\\] facts gathered`, 'g')) ?? []).length, 1, `${h}: gathered once`);
    }
    assert.equal(readFileSync(join(r.root('host1'), 'cached'), 'utf8'), `${hostname}\n`);
  });
});

/** The same facts read here with node's os module and /etc files (the sshd hosts are this machine). */
function localFacts(): { hostname: string; arch: string; cpus: number; memMb: number; osFamily: string; major: string; iface: string } {
  const os = readFileSync('/etc/os-release', 'utf8');
  const id = /^ID=(.*)$/m.exec(os)?.[1]?.replace(/"/g, '') ?? '';
  const family = ['debian', 'ubuntu'].includes(id) ? 'Debian' : ['rhel', 'centos', 'fedora', 'rocky', 'almalinux'].includes(id) ? 'RedHat' : '';
  const version = id === 'debian' ? readFileSync('/etc/debian_version', 'utf8').trim() : (/^VERSION_ID=(.*)$/m.exec(os)?.[1] ?? '').replace(/"/g, '');
  const mem = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  const cpus = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm) ?? []).length;
  const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim().split('.')[0]!;
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const route = readFileSync('/proc/net/route', 'utf8').split('\n').find((l) => l.split('\t')[1] === '00000000');
  return { hostname, arch, cpus, memMb: Math.floor(mem / 1024), osFamily: family, major: version.split('.')[0]!, iface: route?.split('\t')[0] ?? 'none' };
}
