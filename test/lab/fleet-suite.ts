import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet } from '../../lab/fleet/start.ts';
import { HOST_LABEL, PRIVATE_KEY } from '../../lab/paths.ts';
import { must, podman, sleep } from '../../lab/sh.ts';
import { parseRecap, tackle, type CliResult } from '../helpers/cli.ts';
import { inventoryHosts, LAB_HOSTS, onHost } from './lab-fleet.ts';

// The lab hosts themselves: containers booting systemd, reached over SSH on loopback with host
// key checking on. The flagship's end-to-end tests run on them (flagship-suite.ts).
const PLAYBOOK = `
- name: trivial
  hosts: all
  tasks:
    - name: who am I
      register: me
      command: { argv: [hostname], changedWhen: never }
    - name: a file that says so
      writeConfig: { path: /etc/tackle-lab-probe, text: "{{ me.stdout }} pid1 systemd\\n" }
`;

/** Runs a one-task playbook that changes nothing on every host of the inventory. */
async function runNothing(inventory: string): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tackle-lab-nothing-'));
  try {
    writeFileSync(join(dir, 'nothing.yml'), '- hosts: all\n  tasks:\n    - name: nothing\n      command: { argv: ["true"], changedWhen: never }\n');
    return await tackle(['run', join(dir, 'nothing.yml'), '-i', inventory, '--no-progress']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the lab fleet', () => {
  let inventory: string;
  let dir: string;

  before(async () => {
    inventory = await startFleet({ services: false });
    dir = mkdtempSync(join(tmpdir(), 'tackle-lab-fleet-'));
  });

  test('three hosts, labelled with their inventory names, sshd published on 127.0.0.1 only', async () => {
    const hosts = inventoryHosts(inventory);
    assert.deepEqual(Object.keys(hosts).sort(), LAB_HOSTS.map((h) => h.name).sort());
    for (const h of LAB_HOSTS) {
      assert.equal((await podman('container', 'inspect', '--format', `{{index .Config.Labels "${HOST_LABEL}"}}`, h.container)).trim(), h.name);
      const published = (await podman('port', h.container)).trim().split('\n');
      assert.deepEqual(published, [`22/tcp -> 127.0.0.1:${hosts[h.name]!.ansible_port}`]);
      assert.equal(hosts[h.name]!.ansible_host, '127.0.0.1');
    }
  });

  test('inside, systemd is PID 1 and running, the hostname resolves to the host itself', async () => {
    for (const h of LAB_HOSTS) {
      const r = await onHost(h.container, 'ps -p 1 -o comm=; systemctl is-system-running; hostname; getent hosts "$(hostname)" | cut -d" " -f1; ip -4 -o addr show scope global | sed "s/.*inet \\([0-9.]*\\).*/\\1/"');
      const [pid1, state, hostname, resolved, address] = r.out.trim().split('\n').map((l) => l.trim());
      assert.equal(pid1, 'systemd');
      assert.match(state!, /^(running|degraded)$/);
      assert.equal(hostname, h.name);
      assert.equal(resolved, address, `${h.name} resolves to its own address`);
    }
  });

  test('a playbook over SSH on all 3 hosts at once, idempotent', async () => {
    const playbook = join(dir, 'trivial.yml');
    writeFileSync(playbook, PLAYBOOK);
    for (const h of LAB_HOSTS) await onHost(h.container, 'rm -f /etc/tackle-lab-probe');
    const first = await tackle(['run', playbook, '-i', inventory, '--no-progress']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const h of LAB_HOSTS) {
      assert.equal(parseRecap(first.stdout).get(h.name)?.changed, 1, first.stdout);
      assert.equal((await onHost(h.container, 'cat /etc/tackle-lab-probe')).out, `${h.name} pid1 systemd\n`);
    }
    const second = await tackle(['run', playbook, '-i', inventory, '--no-progress']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const h of LAB_HOSTS) assert.equal(parseRecap(second.stdout).get(h.name)?.changed, 0, second.stdout);
  });

  test('host key checking is on: with another known_hosts every host is unreachable', async () => {
    const empty = join(dir, 'known_hosts');
    writeFileSync(empty, '');
    const other = join(dir, 'inventory.yml');
    writeFileSync(other, readFileSync(inventory, 'utf8').replace(/tackle_known_hosts_file: .*/, `tackle_known_hosts_file: ${empty}`));
    const r = await runNothing(other);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    for (const h of LAB_HOSTS) assert.equal(parseRecap(r.stdout).get(h.name)?.unreachable, 1, r.stdout);
  });

  test('facts gathered over SSH on each host are what the host itself says (systemd, Debian, its own name and address)', async () => {
    const playbook = join(dir, 'facts.yml');
    writeFileSync(
      playbook,
      `- hosts: all
  tasks:
    - name: the facts, as the host's playbook sees them
      # A whole template reads as the literal it spells (12.15 would be a number), so the
      # versions, which are text, say so with | string, as under Ansible's jinja2_native.
      writeConfig:
        path: /etc/tackle-lab-facts.json
        format: json
        content:
          hostname: "{{ ansible_facts.hostname }}"
          top_level_hostname: "{{ ansible_hostname }}"
          fqdn: "{{ ansible_fqdn }}"
          os_family: "{{ ansible_facts.os_family }}"
          distribution: "{{ ansible_distribution }}"
          distribution_version: "{{ ansible_distribution_version | string }}"
          distribution_major_version: "{{ ansible_distribution_major_version | string }}"
          architecture: "{{ ansible_architecture }}"
          address: "{{ ansible_default_ipv4.address }}"
          interface: "{{ ansible_default_ipv4.interface }}"
          vcpus: "{{ ansible_processor_vcpus }}"
          memtotal_mb: "{{ ansible_memtotal_mb }}"
          user_id: "{{ ansible_user_id }}"
          home: "{{ ansible_env.HOME }}"
          service_mgr: "{{ ansible_service_mgr }}"
`,
    );
    const r = await tackle(['run', playbook, '-i', inventory, '--no-progress']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of LAB_HOSTS) {
      const facts = JSON.parse((await onHost(h.container, 'cat /etc/tackle-lab-facts.json')).out) as Record<string, unknown>;
      const truth = (await onHost(h.container, 'hostname; cat /etc/debian_version; uname -m; nproc --all; awk \'/^MemTotal:/ {print int($2 / 1024)}\' /proc/meminfo; ip -4 -o route get 8.8.8.8')).out.trim().split('\n');
      const [hostname, debianVersion, arch, vcpus, memMb, route] = truth.map((l) => l.trim());
      assert.equal(hostname, h.name);
      const iface = / dev (\S+)/.exec(route!)?.[1];
      const address = / src (\S+)/.exec(route!)?.[1];
      assert.ok(iface && address, `a default route on ${h.name}: ${route}`);
      assert.deepEqual(facts, {
        // As Ansible: the name up to the first dot; the fqdn is the name the host's address resolves to.
        hostname: h.name.split('.')[0],
        top_level_hostname: h.name.split('.')[0],
        fqdn: h.name,
        os_family: 'Debian',
        distribution: 'Debian',
        distribution_version: debianVersion,
        distribution_major_version: '12',
        architecture: arch,
        address,
        interface: iface,
        vcpus: Number(vcpus),
        memtotal_mb: Number(memMb),
        user_id: 'root',
        home: '/root',
        service_mgr: 'systemd',
      }, h.name);
    }
  });
  test('hosts left running for another checkout\'s key (a fresh clone at the same path) are replaced, and the new key logs in', async () => {
    // A fresh clone makes a new lab key; the running hosts still authorize the old one.
    const aside = join(dir, 'old-key');
    renameSync(PRIVATE_KEY, aside);
    renameSync(`${PRIVATE_KEY}.pub`, `${aside}.pub`);
    try {
      const before = await Promise.all(LAB_HOSTS.map(async (h) => (await podman('container', 'inspect', '--format', '{{.Id}}', h.container)).trim()));
      const again = await startFleet({ services: false });
      const after = await Promise.all(LAB_HOSTS.map(async (h) => (await podman('container', 'inspect', '--format', '{{.Id}}', h.container)).trim()));
      for (const [i, h] of LAB_HOSTS.entries()) assert.notEqual(after[i], before[i], `${h.name} was reused with the old key`);
      const r = await runNothing(again);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      rmSync(aside, { force: true });
      rmSync(`${aside}.pub`, { force: true });
    }
  });
});

describe('the lab fleet when a host broke', () => {
  test('a host left stopped (the machine restarted, or the last run\'s processes were ended) is replaced, booted and reached', async () => {
    await startFleet({ services: false });
    const stopped = LAB_HOSTS[1]!;
    await podman('stop', '--time', '5', stopped.container);
    const inventory = await startFleet({ services: false });
    assert.equal((await podman('container', 'inspect', '--format', '{{.State.Running}}', stopped.container)).trim(), 'true');
    const r = await runNothing(inventory);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const recap = parseRecap(r.stdout);
    for (const h of LAB_HOSTS) assert.equal(recap.get(h.name)?.unreachable, 0, `${h.name} unreachable after a restart`);
  });

  test('a running host whose published port no longer leads to it (its NAT rule gone) is replaced on another port and reached', async () => {
    const before = inventoryHosts(await startFleet({ services: false }));
    const broken = LAB_HOSTS[0]!;
    const port = before[broken.name]!.ansible_port;
    const rules = (await must('iptables', ['-t', 'nat', '-S'])).split('\n').filter((l) => l.includes(`--dport ${port} `) && l.includes('-j DNAT'));
    assert.ok(rules.length > 0, `no NAT rule forwards ${port}: the lab's podman does not use CNI port forwarding`);
    for (const rule of rules) await must('iptables', ['-t', 'nat', ...rule.replace(/^-A /, '-D ').split(' ')]);
    const inventory = await startFleet({ services: false });
    assert.notEqual(inventoryHosts(inventory)[broken.name]!.ansible_port, port);
    const r = await runNothing(inventory);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of LAB_HOSTS) assert.equal(parseRecap(r.stdout).get(h.name)?.unreachable, 0, `${h.name} unreachable`);
  });

  test('a host podman still calls running after its processes were killed (conmon too) is replaced, booted and reached', async () => {
    await startFleet({ services: false });
    const killed = LAB_HOSTS[2]!;
    const [conmon, init] = (await podman('container', 'inspect', '--format', '{{.State.ConmonPid}} {{.State.Pid}}', killed.container)).trim().split(' ').map(Number);
    process.kill(conmon!, 'SIGKILL');
    process.kill(init!, 'SIGKILL');
    await sleep(1000);
    assert.equal((await podman('container', 'inspect', '--format', '{{.State.Running}}', killed.container)).trim(), 'true', 'podman noticed the kill: this test no longer covers a stale running state');
    const inventory = await startFleet({ services: false });
    assert.equal((await onHost(killed.container, 'systemctl is-system-running')).out.trim().replace('degraded', 'running'), 'running');
    const r = await runNothing(inventory);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
