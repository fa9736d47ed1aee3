import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecap, TACKLE_FROM_SOURCE, type CliResult } from '../../helpers/cli.ts';
import { startRollout, type Rollout } from '../../helpers/rollout-fixture.ts';

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Every file under dir (recursively) with its mtime. */
function mtimes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(path, statSync(path).mtimeMs);
    }
  }
  return out;
}

// Faults injected into a rollout over 10 real sshd hosts.
describe('rollout faults on 10 ssh hosts', () => {
  let r: Rollout;
  before(async () => {
    r = await startRollout(10);
  });
  after(async () => {
    await r?.stop();
  });

  test('a host going down mid-run is unreachable, the others finish (exit 4); the retry file converges only that host', async () => {
    const pb = r.playbook(
      'crash.yml',
      `- hosts: all
  tasks:
    - name: config
      writeConfig:
        path: "{{ root }}/crash/app.yaml"
        createDirs: true
        content: { host: "{{ inventory_hostname }}" }
    - name: slow step
      command:
        argv: [sh, -c, 'touch "$1/started"; sleep 1.5; touch "$1/done"', sh, "{{ root }}/crash"]
        creates: "{{ root }}/crash/done"
    - name: final
      command:
        argv: [touch, "{{ root }}/crash/final"]
        creates: "{{ root }}/crash/final"
`,
    );
    const running = r.run(pb);
    await waitFor('host4 to start the slow step', () => existsSync(join(r.root('host4'), 'crash/started')));
    await r.ssh.crashHost(3);
    const run = await running;
    assert.equal(run.code, 4, run.stdout + run.stderr);
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host4')!['unreachable'], 1);
    assert.match(run.stdout, /unreachable: \[host4\]: host4: connection lost/);
    assert.equal(existsSync(join(r.root('host4'), 'crash/final')), false);
    const others = r.names.filter((h) => h !== 'host4');
    for (const h of others) {
      assert.deepEqual(recap.get(h), { ok: 3, changed: 3, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, h);
      assert.ok(existsSync(join(r.root(h), 'crash/final')), h);
    }
    assert.equal(readFileSync(join(r.dir, '.tackle-retry/crash.retry'), 'utf8'), 'host4\n');
    const hint = /tackle run (\S+) -i (\S+) --limit @(\S+)/.exec(run.stdout);
    assert.ok(hint, run.stdout);
    assert.equal(hint[3], '.tackle-retry/crash.retry');

    const before = new Map(others.map((h) => [h, mtimes(r.root(h))]));
    await r.ssh.restartHost(3);
    const retry = await r.run(pb, '--limit', `@${hint[3]}`);
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.deepEqual([...parseRecap(retry.stdout).keys()], ['host4']);
    assert.equal(parseRecap(retry.stdout).get('host4')!['failed'], 0);
    assert.ok(existsSync(join(r.root('host4'), 'crash/done')));
    assert.ok(existsSync(join(r.root('host4'), 'crash/final')));
    for (const h of others) assert.deepEqual(mtimes(r.root(h)), before.get(h), `${h} was touched by the retry`);
  });

  test('max_fail_percentage 0 with serial 2: one failure stops the rollout, later batches untouched (exit 2)', async () => {
    const pb = r.playbook(
      'canary.yml',
      `- hosts: all
  serial: 2
  max_fail_percentage: 0
  tasks:
    - name: upgrade
      command:
        argv: [sh, -c, 'mkdir -p "$1"; [ "$2" != host3 ] && touch "$1/upgraded"', sh, "{{ root }}/canary", "{{ inventory_hostname }}"]
    - name: verify
      command:
        argv: [touch, "{{ root }}/canary/verified"]
`,
    );
    const run = await r.run(pb);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    for (const h of ['host1', 'host2']) assert.ok(existsSync(join(r.root(h), 'canary/verified')), h);
    assert.ok(existsSync(join(r.root('host4'), 'canary/upgraded')), 'host4 finished the task of its batch');
    assert.equal(existsSync(join(r.root('host4'), 'canary/verified')), false, 'the batch stopped after the failing task');
    const later = ['host5', 'host6', 'host7', 'host8', 'host9', 'host10'];
    for (const h of later) assert.equal(existsSync(join(r.root(h), 'canary')), false, `${h} was touched`);
    assert.match(run.stdout, new RegExp(`ROLLOUT STOPPED .*1 of 2 hosts in the batch failed \\(50% > max_fail_percentage 0%\\)\\. Hosts of later batches left untouched: ${later.join(', ')}`));
    assert.equal(parseRecap(run.stdout).get('host3')!['failed'], 1);
    assert.equal(readFileSync(join(r.dir, '.tackle-retry/canary.retry'), 'utf8'), 'host3\n');
  });

  test('a hung command is killed on the host at the task timeout; the other hosts carry on', async () => {
    const marker = `1000.${process.pid}`;
    const pb = r.playbook(
      'hang.yml',
      `- hosts: all
  tasks:
    # Connected first, so the timed task measures only the command.
    - name: connect
      command: { argv: ['true'], changedWhen: never }
    - name: maybe hang
      timeout: 3
      command:
        argv: [sh, -c, 'mkdir -p "$1"; if [ "$2" = host5 ]; then sleep ${marker}; fi; touch "$1/first"', sh, "{{ root }}/hang", "{{ inventory_hostname }}"]
    - name: second
      command:
        argv: [touch, "{{ root }}/hang/second"]
`,
    );
    const started = Date.now();
    const run = await r.run(pb);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    // The hung command sleeps 1000 s: ending within minutes shows the run did not wait for it (not how fast it ended).
    assert.ok(Date.now() - started < 180_000, `the run took ${Date.now() - started} ms`);
    assert.match(run.stdout, /failed: \[host5\]: timed out after 3 s/);
    for (const h of r.names.filter((n) => n !== 'host5')) assert.equal(parseRecap(run.stdout).get(h)!['failed'], 0, run.stdout);
    const left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
    assert.equal(left.error, undefined, 'pgrep not found: install the Debian package procps');
    assert.equal(left.stdout, '', `processes left running on host5: ${spawnSync('pgrep', ['-af', marker], { encoding: 'utf8' }).stdout}\n${run.stdout}`);
    assert.equal(existsSync(join(r.root('host5'), 'hang/first')), false);
    assert.equal(existsSync(join(r.root('host5'), 'hang/second')), false);
    for (const h of r.names.filter((n) => n !== 'host5')) assert.ok(existsSync(join(r.root(h), 'hang/second')), `${h}\n${run.stdout}`);
  });

  /**
   * Writes a 4 MB file to every host, sends SIGINT once a write is in flight (a second one `secondAfterMs`
   * later when given), and checks that no target is partial and no temp file is left; then re-runs.
   */
  async function interruptLargeWrites(name: string, secondAfterMs?: number): Promise<{ run: CliResult; written: string[] }> {
    const text = ('x'.repeat(99) + '\n').repeat(40_000);
    const digest = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(r.dir, 'payload.yml'), JSON.stringify({ payload: text }));
    const pb = r.playbook(
      `${name}.yml`,
      `- hosts: all
  vars_files: [payload.yml]
  tasks:
    - name: big file
      writeConfig:
        path: "{{ root }}/${name}/data.txt"
        createDirs: true
        text: "{{ payload }}"
    - name: after
      command:
        argv: [touch, "{{ root }}/${name}/after"]
`,
    );
    const dirOf = (h: string): string => join(r.root(h), name);
    const tempFiles = (): string[] =>
      r.names.flatMap((h) => (existsSync(dirOf(h)) ? readdirSync(dirOf(h)).filter((f) => f.startsWith('.data.txt.tackle-')).map((f) => `${h}/${f}`) : []));
    const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

    const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, 'run', pb, '-i', r.inventory, '--no-progress'], { cwd: r.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<CliResult>((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
    await waitFor('a write in flight', () => tempFiles().length > 0).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${stdout}${stderr}`);
    });
    child.kill('SIGINT');
    if (secondAfterMs !== undefined) {
      await new Promise((res) => setTimeout(res, secondAfterMs));
      child.kill('SIGINT');
    }
    const run = await exited;
    assert.equal(run.code, 99, run.stdout + run.stderr);

    const written: string[] = [];
    for (const h of r.names) {
      const file = join(dirOf(h), 'data.txt');
      if (existsSync(file)) {
        assert.equal(sha(file), digest, `${h}: partial file`);
        written.push(h);
      }
      assert.equal(existsSync(join(dirOf(h), 'after')), false, `${h} started a task after the interrupt`);
    }
    assert.deepEqual(tempFiles(), [], 'temp files left behind');

    const again = await r.run(pb);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    for (const h of r.names) {
      assert.equal(sha(join(dirOf(h), 'data.txt')), digest, h);
      assert.ok(existsSync(join(dirOf(h), 'after')));
    }
    assert.deepEqual(tempFiles(), []);
    return { run, written };
  }

  test('SIGINT during large writes: the writes in flight finish, no new task starts, exit 99; the next run converges', async () => {
    const { run } = await interruptLargeWrites('big');
    assert.match(run.stderr, /interrupted; finishing the tasks in flight/);
  });

  test('a second SIGINT quits at once: writes in flight are cut off and their temp files removed, no target partial', async () => {
    const { run, written } = await interruptLargeWrites('big2', 30);
    assert.match(run.stderr, /quitting now; removing the temp files of writes in flight/);
    assert.ok(written.length < r.names.length, `every write had finished before the second SIGINT: ${written.join(', ')}`);
  });

  test('a host presenting another host key is refused and reported with its fingerprint; nothing reaches it', async () => {
    // known_hosts where host7's entry holds some other ed25519 key.
    const otherKey = join(r.dir, 'other_key');
    const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const [type, key] = readFileSync(`${otherKey}.pub`, 'utf8').trim().split(/\s+/);
    const h7 = r.ssh.hosts[6]!;
    const name = `[${h7.address}]:${h7.port}`;
    const where = `${h7.address}:${h7.port}`;
    const knownHosts = join(r.dir, 'known_hosts_mitm');
    writeFileSync(
      knownHosts,
      readFileSync(r.ssh.knownHostsFile, 'utf8').split('\n').map((l) => (l.startsWith(`${name} `) ? `${name} ${type} ${key}` : l)).join('\n'),
    );
    const inventory = join(r.dir, 'hosts-mitm.yml');
    writeFileSync(inventory, readFileSync(r.inventory, 'utf8').replaceAll(r.ssh.knownHostsFile, knownHosts));
    const actual = spawnSync('ssh-keygen', ['-l', '-f', join(r.ssh.dir, 'host6_key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    assert.match(actual, /^SHA256:/);

    const pb = r.playbook('keys.yml', `- hosts: all\n  tasks:\n    - name: mark\n      command:\n        argv: [sh, -c, 'mkdir -p "$1" && touch "$1/marked"', sh, "{{ root }}/keys"]\n`);
    const run = await tackleWith(inventory, pb);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    const recap = parseRecap(run.stdout);
    assert.equal(recap.get('host7')!['unreachable'], 1);
    assert.ok(run.stdout.includes(`unreachable: [host7]: host7: host key for host7 (${where}) CHANGED`), run.stdout);
    assert.ok(run.stdout.includes(`fingerprint ${actual}`), run.stdout);
    assert.equal(existsSync(join(r.root('host7'), 'keys')), false, 'something ran on host7');
    for (const h of r.names.filter((n) => n !== 'host7')) assert.ok(existsSync(join(r.root(h), 'keys/marked')), h);
  });

  function tackleWith(inventory: string, pb: string): Promise<CliResult> {
    return new Promise((res) => {
      const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, 'run', pb, '-i', inventory, '--no-progress'], { cwd: r.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    });
  }
});
