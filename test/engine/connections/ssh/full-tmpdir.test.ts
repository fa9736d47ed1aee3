import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../../engine/connection.ts';
import { TaskError } from '../../../../engine/errors.ts';
import { parseRecap, tackle } from '../../../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

function sh(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

/** Fills the file system at `dir` to the last byte. */
function fill(dir: string): void {
  spawnSync('sh', ['-c', 'head -c 4M /dev/zero > "$1" 2>/dev/null', 'fill', join(dir, 'filler')]);
}

// The host's $TMPDIR (set by its sshd) is a 256 KB tmpfs, as a small full /tmp would be.
describe("a full $TMPDIR on the host", () => {
  let ssh: SshTestHosts;
  let tmp: string;
  let dir: string;
  let conn: Connection | undefined;

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs: run it as root');
    dir = tempDir();
    tmp = join(dir, 'host-tmp');
    mkdirSync(tmp);
    sh(['mount', '-t', 'tmpfs', '-o', 'size=256k,mode=1777', 'tackle-test-tmp', tmp]);
    ssh = await startSshHosts(1, { serverConfig: () => [`SetEnv TMPDIR=${tmp}`] });
  });
  after(async () => {
    await conn?.close();
    await ssh?.stop();
    if (tmp) spawnSync('umount', [tmp]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a command whose output cannot be kept fails saying the temp space is full, never stdout "" exit 0', async () => {
    conn = await ssh.connect(0);
    assert.equal((await conn.exec(['sh', '-c', 'echo "$TMPDIR"'])).stdout, `${tmp}\n`, 'the shell works in the small TMPDIR');
    fill(tmp);
    await assert.rejects(
      conn.exec(['echo', 'hello']),
      (e: unknown) => e instanceof TaskError && /the host's temp space is full \(.*host-tmp\/tackle-sh\d+-[0-9a-f]+\): echo exited \d+, but what it printed could not be kept/.test(e.message),
    );
    rmSync(join(tmp, 'filler'));
    const again = await conn.exec(['printf', 'hello']);
    assert.deepEqual(again, { code: 0, stdout: 'hello', stderr: '' }, 'with room again, output arrives whole (the end marks are not part of it)');
    const both = await conn.exec(['sh', '-c', 'printf out; printf err >&2; exit 3']);
    assert.deepEqual(both, { code: 3, stdout: 'out', stderr: 'err' });
  });

  test('through the CLI the task fails (exit 2) with that message', async () => {
    rmSync(join(tmp, 'filler'), { force: true });
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml());
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: fill the temp space
      command: { argv: [sh, -c, 'head -c 4M /dev/zero > "$TMPDIR/filler" 2>/dev/null; true'] }
      ignore_errors: true
    - name: greet
      register: greeting
      command: { argv: [echo, hello], changedWhen: never }
`,
    );
    const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--no-progress'], { cwd: dir });
    rmSync(join(tmp, 'filler'), { force: true });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /failed: \[host1\]: .*the host's temp space is full .*echo exited \d+, but what it printed could not be kept/, r.stdout);
    assert.equal(parseRecap(r.stdout).get('host1')?.['failed'], 1, r.stdout);
  });
});
