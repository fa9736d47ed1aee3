import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionCapacity, ConnectionBudget, FD_RESERVE, openFileLimit, type SlotHolder } from '../../../engine/run/connection-budget.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { buildTackle } from '../../helpers/built-cli.ts';

function holder(log: string[], name: string): SlotHolder {
  return {
    evict: async () => {
      log.push(`evict ${name}`);
    },
  };
}

describe('connection budget', () => {
  test('reads the soft open-file limit from /proc/self/limits text', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n';
    assert.equal(openFileLimit(text), 1024);
    assert.equal(openFileLimit('Max open files            unlimited            unlimited            files\n'), undefined);
    assert.equal(connectionCapacity(1024), 1024 - FD_RESERVE);
    assert.equal(connectionCapacity(10), 1);
    assert.equal(connectionCapacity(undefined), Infinity);
  });

  test('a host past the capacity takes the slot of the host that went idle last; with every slot busy it waits', async () => {
    const log: string[] = [];
    const budget = new ConnectionBudget(2);
    const [a, b, c] = [holder(log, 'a'), holder(log, 'b'), holder(log, 'c')];
    await budget.enter(a);
    await budget.enter(b);
    let cIn = false;
    const cEnters = budget.enter(c).then(() => (cIn = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(cIn, false, 'both slots are busy: c waits');
    budget.leave(b);
    await cEnters;
    assert.deepEqual(log, ['evict b']);
    assert.equal(budget.open, 2);
    budget.leave(a);
    budget.leave(c);
    // c went idle after a: b's return takes c's slot.
    await budget.enter(b);
    assert.deepEqual(log, ['evict b', 'evict c']);
    // A holder that closed its own connection frees its slot at once.
    budget.released(b);
    await budget.enter(c);
    assert.deepEqual(log, ['evict b', 'evict c']);
    assert.equal(budget.open, 2);
  });

  test('hosts visited in the same order at every task reconnect only for the hosts past the capacity', async () => {
    const log: string[] = [];
    const capacity = 8;
    const budget = new ConnectionBudget(capacity);
    const hosts = Array.from({ length: 10 }, (_, i) => holder(log, `h${i}`));
    const tasks = 5;
    for (let t = 0; t < tasks; t++) {
      for (const h of hosts) {
        await budget.enter(h);
        budget.leave(h);
      }
    }
    // Evicting the host idle longest would evict the next one due: 2 + 4 * 10 = 42 reconnects.
    const surplus = hosts.length - capacity;
    assert.ok(log.length <= surplus + (tasks - 1) * (surplus + 1), `${log.length} evictions: ${log.join(', ')}`);
  });
});

// The runs under a low RLIMIT_NOFILE use the built program, as operators do: from source, tsx's
// loader opens dozens of module files at once and spawns esbuild, and under these limits that
// failed with EMFILE before any of tackle's own descriptors counted (seen on CI).
let built: { dir: string; bin: string } | undefined;
function builtBin(): string {
  built ??= (() => {
    const dir = mkdtempSync(join(tmpdir(), 'tackle-budget-build-'));
    return { dir, bin: buildTackle(dir) };
  })();
  return built.bin;
}
after(() => {
  if (built) rmSync(built.dir, { recursive: true, force: true });
});

// More hosts than the open-file limit leaves room for: every host converges, the run
// reconnecting hosts whose slot another took, instead of failing them for want of descriptors.
describe('a run over more hosts than RLIMIT_NOFILE allows connections', () => {
  const HOSTS = 60;
  const NOFILE = FD_RESERVE + 8;
  let ssh: SshTestHosts;
  let dir: string;

  before(async () => {
    if (spawnSync('prlimit', ['--version']).error) throw new Error('this test needs prlimit: install the Debian package util-linux');
    ssh = await startSshHosts(HOSTS, { servers: 4 });
    dir = mkdtempSync(join(tmpdir(), 'tackle-budget-'));
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- name: many hosts, few descriptors
  hosts: all
  gather_facts: false
  tasks:
    - name: root
      directory: { path: "{{ root }}", mode: "0755" }
    - name: config
      writeConfig: { path: "{{ root }}/app.yaml", content: { host: "{{ inventory_hostname }}" } }
`,
    );
  });
  after(async () => {
    await ssh?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`${HOSTS} hosts with --forks ${HOSTS} under RLIMIT_NOFILE ${NOFILE}: all converge, a second run changes nothing`, async () => {
    const run = () =>
      spawnSync('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, '--', process.execPath, builtBin(), 'run', 'site.yml', '-i', 'hosts.yml', '--forks', String(HOSTS), '--no-progress', '--report', 'report.json'], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
    const first = run();
    assert.equal(first.status, 0, `${first.stdout.slice(-3000)}\n${first.stderr.slice(-3000)}`);
    for (const h of ssh.hosts) {
      assert.match(readFileSync(join(dir, 'roots', h.name, 'app.yaml'), 'utf8'), new RegExp(`host: ${h.name}\\n`));
    }
    const second = run();
    assert.equal(second.status, 0, `${second.stdout.slice(-3000)}\n${second.stderr.slice(-3000)}`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { hosts: Record<string, { changed: number; ok: number }> };
    assert.equal(Object.keys(report.hosts).length, HOSTS);
    for (const [name, c] of Object.entries(report.hosts)) assert.deepEqual([name, c.ok, c.changed], [name, 2, 0]);
  });
});

// Hosts that cannot be reached must not keep the slots the others wait for: the first two hosts
// (who take the two slots first) are down.
describe('unreachable hosts under a connection budget', () => {
  let ssh: SshTestHosts;
  let dir: string;
  before(async () => {
    ssh = await startSshHosts(6);
    // The first hosts take the slots first.
    await ssh.stopHost(0);
    await ssh.stopHost(1);
    dir = mkdtempSync(join(tmpdir(), 'tackle-budget-unreach-'));
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` }));
    writeFileSync(join(dir, 'site.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: root\n      directory: { path: "{{ root }}", mode: "0755" }\n    - name: config\n      writeConfig: { path: "{{ root }}/app.yaml", content: { host: "{{ inventory_hostname }}" } }\n`);
  });
  after(async () => {
    await ssh?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the reachable hosts converge, the refused ones are unreachable (exit 4), nothing waits forever', () => {
    const nofile = FD_RESERVE + 2;
    const r = spawnSync('prlimit', [`--nofile=${nofile}:${nofile}`, '--', process.execPath, builtBin(), 'run', 'site.yml', '-i', 'hosts.yml', '--forks', '6', '--no-progress', '--report', 'report.json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.signal, null, `the run did not end: ${r.stdout.slice(-2000)}`);
    assert.equal(r.status, 4, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { hosts: Record<string, { changed: number; unreachable: number }> };
    for (const h of ssh.hosts.slice(2)) assert.equal(report.hosts[h.name]?.changed, 2, h.name);
    for (const h of ssh.hosts.slice(0, 2)) assert.equal(report.hosts[h.name]?.unreachable, 1, h.name);
  });
});
