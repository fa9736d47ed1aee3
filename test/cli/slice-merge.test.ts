import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle, type CliResult } from '../helpers/cli.ts';

const SLICES = 4;

// Eight sshd hosts (two sshd processes, each host with its own root), run once over all hosts and
// as four --slice processes side by side; `tackle report merge` must tell the same story.
describe('--slice K/N and tackle report merge', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let inventory: string;
  let playbook: string;
  const hostNames = Array.from({ length: 8 }, (_, i) => `host${i + 1}`);

  before(async () => {
    ssh = await startSshHosts(8, { servers: 2 });
    dir = mkdtempSync(join(tmpdir(), 'tackle-h8-slice-'));
    inventory = join(dir, 'hosts.yml');
    writeFileSync(inventory, ssh.inventoryYaml({ root: '{{ root_base }}/{{ inventory_hostname }}' }));
    playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      `- name: converge
  hosts: all
  serial: 2
  tasks:
    - name: config file
      writeConfig:
        path: "{{ root }}/app.yaml"
        createDirs: true
        content: { host: "{{ inventory_hostname }}" }
    - name: breaks on one host
      command: { argv: [sh, -c, 'exit 3'] }
      when: inventory_hostname == (fail_host | default(''))
    - name: tolerated failure
      command: { argv: [sh, -c, 'exit 4'] }
      when: inventory_hostname == 'host3'
      ignore_errors: true
    - name: marker
      command:
        argv: [touch, "{{ root }}/marker"]
        creates: "{{ root }}/marker"
`,
    );
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (rootBase: string, extra: string[]): Promise<CliResult> =>
    tackle(['run', playbook, '-i', inventory, '--no-progress', '-e', `root_base=${join(dir, rootBase)}`, ...extra], { cwd: dir });

  /** One run over every host, then the four slices at once; returns both sides. */
  async function bothWays(name: string, extra: string[] = []) {
    const whole = await run(`${name}-whole`, ['--report', join(dir, `${name}-whole.json`), ...extra]);
    const reports = Array.from({ length: SLICES }, (_, i) => join(dir, `${name}-slice${i + 1}.json`));
    const slices = await Promise.all(reports.map((report, i) => run(`${name}-sliced`, ['--slice', `${i + 1}/${SLICES}`, '--report', report, ...extra])));
    const merged = await tackle(['report', 'merge', ...reports], { cwd: dir });
    return { whole, slices, merged, reports };
  }

  test('four slices are disjoint, cover every host, keep serial batches inside the slice, and merge into the single run', async () => {
    const { whole, slices, merged, reports } = await bothWays('green');
    assert.equal(whole.code, 0, whole.stdout + whole.stderr);
    for (const s of slices) assert.equal(s.code, 0, s.stdout + s.stderr);

    const sliceHosts = reports.map((r) => Object.keys((JSON.parse(readFileSync(r, 'utf8')) as { hosts: object }).hosts));
    assert.deepEqual(sliceHosts, [
      ['host1', 'host5'],
      ['host2', 'host6'],
      ['host3', 'host7'],
      ['host4', 'host8'],
    ]);
    const first = JSON.parse(readFileSync(reports[0]!, 'utf8')) as { slice: unknown; playbook: string };
    assert.deepEqual(first.slice, { index: 1, count: 4 });
    assert.equal(first.playbook, playbook);
    // serial: 2 over the slice's own hosts: one batch, both of them, and no other host's name.
    assert.match(slices[0]!.stdout, /^PLAY \[converge\] \(2 hosts\)$/m);
    assert.doesNotMatch(slices[0]!.stdout, /host[2-46-8]\b/);

    assert.equal(merged.code, 0, merged.stdout + merged.stderr);
    assert.match(merged.stdout, /^Merged 4 slice reports of .*site\.yml: 8 hosts$/m);
    assert.deepEqual(parseRecap(merged.stdout), parseRecap(whole.stdout));
    assert.deepEqual([...parseRecap(merged.stdout).keys()], hostNames, 'the merged recap lists the hosts in inventory order');
    assert.equal(parseRecap(merged.stdout).get('host3')?.['ignored'], 1, 'ignored failures survive the merge');
    for (const h of hostNames) {
      assert.equal(readFileSync(join(dir, 'green-sliced', h, 'app.yaml'), 'utf8'), readFileSync(join(dir, 'green-whole', h, 'app.yaml'), 'utf8'));
    }
  });

  test('one slice failing: that slice exits 2, the merge exits 2 with the same recap as one run, and writes the retry file', async () => {
    const { whole, slices, merged } = await bothWays('red', ['-e', 'fail_host=host6']);
    assert.equal(whole.code, 2, whole.stdout + whole.stderr);
    assert.deepEqual(
      slices.map((s) => s.code),
      [0, 2, 0, 0],
    );
    assert.ok(existsSync(join(dir, '.tackle-retry', 'site.slice-2-of-4.retry')), 'a slice writes its own retry file');
    assert.equal(merged.code, 2, merged.stdout + merged.stderr);
    const recap = parseRecap(merged.stdout);
    assert.deepEqual(recap, parseRecap(whole.stdout));
    assert.equal(recap.get('host6')?.['failed'], 1);
    assert.equal(readFileSync(join(dir, '.tackle-retry', 'site.retry'), 'utf8'), 'host6\n');
    assert.match(merged.stdout, /To retry the failed and unreachable hosts: tackle run .*site\.yml -i .*hosts\.yml --limit @\.tackle-retry\/site\.retry/);
  });

  test('a missing or repeated slice is an error: exit 5, nothing merged', async () => {
    const reports = Array.from({ length: SLICES }, (_, i) => join(dir, `green-slice${i + 1}.json`));
    const missing = await tackle(['report', 'merge', reports[0]!, reports[1]!, reports[3]!], { cwd: dir });
    assert.equal(missing.code, 5);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /missing slice 3\/4: a merged recap needs the report of every slice/);

    const twice = await tackle(['report', 'merge', ...reports, reports[2]!], { cwd: dir });
    assert.equal(twice.code, 5);
    assert.match(twice.stderr, /green-slice3\.json:1:1: slice 3\/4 again/);

    const whole = await tackle(['report', 'merge', join(dir, 'green-whole.json')], { cwd: dir });
    assert.equal(whole.code, 5);
    assert.match(whole.stderr, /green-whole\.json:1:1: was not written by a --slice K\/N run/);
  });

  test('--slice that is not K/N with 1 <= K <= N is invalid input', async () => {
    for (const bad of ['0/4', '5/4', '2', 'a/b']) {
      const r = await tackle(['run', playbook, '-i', inventory, '--slice', bad], { cwd: dir });
      assert.equal(r.code, 5, bad);
      assert.match(r.stderr, new RegExp(`--slice:1:1: '${bad}' is not K/N`));
    }
  });
});
