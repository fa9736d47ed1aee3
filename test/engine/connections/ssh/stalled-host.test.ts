import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, tackleOrHang, type CliResult } from '../../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${ms} ms`);
    await sleep(20);
  }
}

/** The run ended (exit 4): host2 unreachable and named alone in the retry file, host1 and host3 finished both their tasks (each touched DIR/HOST.`lastFile`). */
function assertHost2Lost(r: CliResult & { hung: boolean }, dir: string, lastFile: string, why: RegExp): void {
  assert.ok(!r.hung, `the run never ended:\n${r.stdout}${r.stderr}`);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  const recap = parseRecap(r.stdout);
  assert.equal(recap.get('host2')?.['unreachable'], 1, r.stdout);
  for (const h of ['host1', 'host3']) {
    assert.deepEqual([recap.get(h)?.['changed'], recap.get(h)?.['unreachable'], recap.get(h)?.['failed']], [2, 0, 0], `${h}\n${r.stdout}`);
    assert.ok(existsSync(join(dir, `${h}.${lastFile}`)), `${h} finished`);
  }
  assert.match(r.stdout, why);
  assert.deepEqual(readFileSync(join(dir, '.tackle-retry', 'site.retry'), 'utf8').trim().split('\n'), ['host2']);
}

// Hosts that log in and then stop answering mid-run, against real sshds the test freezes
// (SIGSTOP of that server's own session processes only). Bounds are generous: the machine may be loaded.
describe('a host that stops answering during a run', () => {
  let ssh: SshTestHosts;
  before(async () => {
    ssh = await startSshHosts(3);
  });
  after(async () => {
    for (const i of [0, 1, 2]) ssh?.resumeHost(i);
    await ssh?.stop();
  });

  for (const mode of ['shell', 'channel'] as const) {
    test(`frozen mid-command (${mode === 'shell' ? 'persistent shells' : 'one channel a command'}): unreachable after the keepalives it leaves unanswered, the others finish`, async () => {
      const dir = tempDir('tackle-stalled-host-');
      // Shortened, through the inventory in one mode and the command line in the other: 2 s pings, 3 unanswered make the host unreachable.
      const settings = { tackle_keepalive_interval: 2, tackle_keepalive_count: 3 };
      writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/{{ inventory_hostname }}`, ...(mode === 'shell' ? settings : {}) }));
      const commandLine = mode === 'shell' ? [] : ['--keepalive', '2', '-e', 'tackle_keepalive_count=3'];
      writeFileSync(
        join(dir, 'site.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: { argv: [sh, -c, 'touch "$1.started"; sleep 4', sh, "{{ root }}"] }
    - name: after
      command: { argv: [touch, "{{ root }}.done"] }
`,
      );
      const run = tackleOrHang(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', ...commandLine], dir, mode === 'channel' ? { TACKLE_SSH_EXEC: 'channel' } : {}, 300_000);
      try {
        await waitForFile(join(dir, 'host2.started'), 120_000);
        ssh.stallHost(1);
        assertHost2Lost(await run, dir, 'done', /host2.*the host left 3 SSH keepalives unanswered \(silent for 8 s/);
      } finally {
        ssh.resumeHost(1);
        await run;
      }
    });
  }

  test("tackle's own state read that never answers (fact gathering; the host's shells frozen, its sshd still answering keepalives) ends the host unreachable after the probe timeout; a user's command longer than that timeout is not cut off", async () => {
    const dir = tempDir('tackle-stalled-probe-');
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/{{ inventory_hostname }}` }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: host1 and host3 run long, host2 is idle meanwhile
      command: { argv: [sh, -c, 'touch "$1.a"; [ "$2" = host2 ] || sleep 8', sh, "{{ root }}", "{{ inventory_hostname }}"] }
- hosts: all
  gather_facts: true
  tasks:
    - name: after the facts
      command: { argv: [touch, "{{ root }}.b"] }
`,
    );
    // -e beats the inventory: the probe timeout shortened for this run.
    const run = tackleOrHang(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', '-e', 'tackle_probe_timeout=3'], dir, {}, 300_000);
    try {
      await waitForFile(join(dir, 'host2.a'), 120_000);
      await sleep(1000); // host2's command has ended: its shell waits for the next one
      ssh.stallCommands(1);
      // host1 and host3 finishing both tasks: their 8 s commands outlived the 3 s probe timeout.
      assertHost2Lost(await run, dir, 'b', /host2.*the host did not start sh within \d+ s of sending it \(its remote shell does not answer\)/);
    } finally {
      ssh.resumeHost(1);
      await run;
    }
  });
});
