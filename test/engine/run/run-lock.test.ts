import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseRecap, tackle, TACKLE_FROM_SOURCE, type CliResult } from '../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { tempDir } from '../../helpers/task-harness.ts';

interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

function start(args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, done };
}

async function waitForFile(path: string, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${what} never happened (${path} missing)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// One sshd host, two tackle runs at once: the second must not change the host under the first.
describe('per-host run lock', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let root: string;

  before(async () => {
    ssh = await startSshHosts(1);
    dir = tempDir();
    root = join(dir, 'host-root');
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root }));
    // The slow run: it holds the host while it "works" until the test lets it go.
    writeFileSync(
      join(dir, 'slow.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: secret
      secret: { path: "{{ root }}/secret" }
    - name: work until released
      command: { argv: [sh, -c, 'echo "slow start" >> "$1/log"; touch "$1/started"; while [ ! -e "$1/release" ]; do sleep 0.1; done; echo "slow end" >> "$1/log"', sh, "{{ root }}"] }
`,
    );
    writeFileSync(
      join(dir, 'quick.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: secret
      secret: { path: "{{ root }}/secret" }
    - name: note
      command: { argv: [sh, -c, 'echo "quick" >> "$1/log"', sh, "{{ root }}"] }
`,
    );
  });
  after(async () => {
    await ssh?.stop();
  });

  /** An empty log, and neither the started nor the release mark. */
  const reset = (): void => {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'log'), '');
    for (const f of ['started', 'release']) rmSync(join(root, f), { force: true });
  };

  test('a second run fails at once for that host, naming the run that holds it; --check runs beside it; the lock goes with the run', async () => {
    reset();
    const slow = start(['run', 'slow.yml', '-i', 'hosts.yml', '--no-progress'], dir);
    await waitForFile(join(root, 'started'), 'the first run starting its work');

    const second = await tackle(['run', 'quick.yml', '-i', 'hosts.yml', '--no-progress'], { cwd: dir });
    assert.equal(second.code, 2, second.stdout + second.stderr);
    assert.match(second.stdout, new RegExp(`failed: \\[host1\\]: host1 is locked by another tackle run \\(/run/lock/tackle-[0-9a-f]{16}\\.lock held\\): pid ${slow.child.pid} of root@${hostname()}, started \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z, playbook slow\\.yml; wait for it to end, or pass --lock-wait SECONDS`), second.stdout);
    assert.equal(parseRecap(second.stdout).get('host1')?.['failed'], 1, second.stdout);
    assert.ok(!readFileSync(join(root, 'log'), 'utf8').includes('quick'), 'the second run changed nothing on the host');

    const check = await tackle(['run', 'quick.yml', '-i', 'hosts.yml', '--no-progress', '--check'], { cwd: dir });
    assert.equal(check.code, 0, `--check takes no lock: ${check.stdout}${check.stderr}`);

    writeFileSync(join(root, 'release'), '');
    const first = await slow.done;
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const after = await tackle(['run', 'quick.yml', '-i', 'hosts.yml', '--no-progress'], { cwd: dir });
    assert.equal(after.code, 0, `the lock was released with the first run: ${after.stdout}${after.stderr}`);
    assert.deepEqual(readFileSync(join(root, 'log'), 'utf8').split('\n').filter(Boolean), ['slow start', 'slow end', 'quick']);
  });

  test('with --lock-wait the second run waits for the first and then runs', async () => {
    reset();
    const slow = start(['run', 'slow.yml', '-i', 'hosts.yml', '--no-progress'], dir);
    await waitForFile(join(root, 'started'), 'the first run starting its work');
    const waiting = start(['run', 'quick.yml', '-i', 'hosts.yml', '--no-progress', '--lock-wait', '120'], dir);
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(join(root, 'release'), '');
    const [first, second] = await Promise.all([slow.done, waiting.done]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.deepEqual(readFileSync(join(root, 'log'), 'utf8').split('\n').filter(Boolean), ['slow start', 'slow end', 'quick']);
  });

  test('a controller killed mid-run leaves no lock behind', async () => {
    reset();
    const slow = start(['run', 'slow.yml', '-i', 'hosts.yml', '--no-progress'], dir);
    await waitForFile(join(root, 'started'), 'the first run starting its work');
    slow.child.kill('SIGKILL');
    await slow.done;
    writeFileSync(join(root, 'release'), ''); // ends its command, which the kill left running on the host
    const next = await tackle(['run', 'quick.yml', '-i', 'hosts.yml', '--no-progress', '--lock-wait', '30'], { cwd: dir });
    assert.equal(next.code, 0, next.stdout + next.stderr);
  });
});
