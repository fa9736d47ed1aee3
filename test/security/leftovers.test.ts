import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { TACKLE_FROM_SOURCE, tackle } from '../helpers/cli.ts';

/** Temp files of atomic writes of dest that are in its directory now. */
function tempSiblings(dir: string, name: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith(`.${name}.tackle-`));
}

/** Sets a path's modification time back (`touch -d`), as a leftover of a run killed long ago has. */
function age(path: string, when = '2 hours ago'): void {
  const r = spawnSync('touch', ['-h', '-d', when, path]);
  assert.equal(r.status, 0, r.stderr?.toString());
}

/** Whether any process on this machine has `path` open (as /proc tells). */
function isOpenAnywhere(path: string): boolean {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}

/**
 * Waits until no process writes `path` any more. The killed controller's sftp-server on the
 * host goes on writing what was already in flight; a write after `age` makes the file fresh.
 */
async function waitUntilClosed(path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isOpenAnywhere(path)) {
    assert.ok(Date.now() < deadline, `${path} is still open ${timeoutMs} ms after the run was killed`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a run and signals it once the write of dest has its temp file; resolves with the exit status. */
async function signalMidWrite(dir: string, dest: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, 'run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  const deadline = Date.now() + 60_000;
  const destDir = join(dest, '..');
  const name = dest.slice(destDir.length + 1);
  let seen = false;
  while (Date.now() < deadline && child.exitCode === null) {
    if (existsSync(destDir) && tempSiblings(destDir, name).length > 0) {
      seen = true;
      child.kill(signal);
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const status = await exited;
  assert.ok(seen, `the write's temp file never appeared (exit ${status.code}):\n${stderr}`);
  return { ...status, stderr };
}

describe('leftovers of killed runs (ssh)', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let dest: string;
  before(async () => {
    ssh = await startSshHosts(1);
    dir = mkdtempSync(join(tmpdir(), 'tackle-h5-leftovers-'));
    mkdirSync(join(dir, 'target'));
    mkdirSync(join(dir, 'templates'));
    dest = join(dir, 'target', 'big.conf');
    // Large enough that the write is still going when the signal comes.
    writeFileSync(join(dir, 'templates', 'big.conf'), `${randomBytes(30_000_000).toString('base64')}\n`);
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml().replace('host1:', 'target:'));
    writeFileSync(join(dir, 'site.yml'), `- hosts: all\n  tasks:\n    - template: {src: big.conf, dest: ${dest}, mode: "0600"}\n`);
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM mid-write is handled like Ctrl-C: the temp file is removed before tackle exits', async () => {
    const r = await signalMidWrite(dir, dest, 'SIGTERM');
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null, 'tackle died of SIGTERM instead of handling it');
    assert.match(r.stderr, /terminated \(SIGTERM\); removing the temp files/);
    assert.deepEqual(tempSiblings(join(dir, 'target'), 'big.conf'), [], 'a partial temp file was left');
    assert.equal(existsSync(dest), false);
  });

  test('kill -9 mid-write leaves a partial temp file; the next run on that host removes it and what else a killed run left, not a live run\'s', async () => {
    const tag = randomBytes(4).toString('hex');
    const hostTmp = '/tmp'; // the sshd session's TMPDIR is unset
    const r = await signalMidWrite(dir, dest, 'SIGKILL');
    assert.equal(r.signal, 'SIGKILL');
    const partial = tempSiblings(join(dir, 'target'), 'big.conf');
    assert.equal(partial.length, 1, 'kill -9 mid-write should leave the partial temp file this test is about');
    await waitUntilClosed(join(dir, 'target', partial[0]!));
    age(join(dir, 'target', partial[0]!));
    // A concurrent run's write in progress beside it: fresh, so kept.
    const live = join(dir, 'target', `.big.conf.tackle-live${tag}`);
    writeFileSync(live, 'partial');
    // Old, and named like a temp file, but not a file a write leaves: a link (to a file of the
    // test's, which must survive too) and a directory are kept.
    const linkTarget = join(dir, `kept-${tag}`);
    writeFileSync(linkTarget, 'not a temp file');
    const link = join(dir, 'target', `.big.conf.tackle-link${tag}`);
    symlinkSync(linkTarget, link);
    const subdir = join(dir, 'target', `.big.conf.tackle-dir${tag}`);
    mkdirSync(subdir);
    for (const p of [linkTarget, link, subdir]) age(p);
    // Scratch dirs: an openssl temp dir with a key and an env dir from runs killed long ago, a
    // persistent shell's dir whose process is gone, and a live run's fresh env dir.
    const x509 = join(hostTmp, `tackle-x509.h5${tag}`);
    const envDir = join(hostTmp, `tackle-tmp.h5${tag}`);
    const deadShell = join(hostTmp, `tackle-sh999999999-h5${tag}`);
    const liveEnv = join(hostTmp, `tackle-tmp.h5live${tag}`);
    for (const d of [x509, envDir, deadShell, liveEnv]) mkdirSync(d, { mode: 0o700 });
    writeFileSync(join(x509, 'new.key'), '-----BEGIN PRIVATE KEY-----\n', { mode: 0o600 });
    writeFileSync(join(envDir, 'env'), 'DB_PASSWORD=x\n', { mode: 0o600 });
    for (const d of [x509, envDir]) age(d);
    try {
      const again = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(
        tempSiblings(join(dir, 'target'), 'big.conf').sort(),
        [`.big.conf.tackle-dir${tag}`, `.big.conf.tackle-link${tag}`, `.big.conf.tackle-live${tag}`],
        'the killed run\'s partial file is still there, or the live one, a link or a directory of a temp file\'s name went',
      );
      assert.equal(readFileSync(linkTarget, 'utf8'), 'not a temp file');
      for (const d of [x509, envDir, deadShell]) assert.equal(existsSync(d), false, `${d} was left`);
      assert.equal(existsSync(liveEnv), true, 'a live run\'s scratch dir was removed');
    } finally {
      for (const d of [x509, envDir, deadShell, liveEnv]) rmSync(d, { recursive: true, force: true });
    }
  });
});

// Over the local connection (as under become) the sweep is a command on the host, not SFTP.
describe('leftovers of killed runs (local)', () => {
  test('a write removes the stale temp files a killed run left beside its target, not a fresh one, a link or a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tackle-leftovers-local-'));
    try {
      const target = join(dir, 'target');
      mkdirSync(target);
      const names = { stale: '.app.conf.tackle-dead01', fresh: '.app.conf.tackle-live01', link: '.app.conf.tackle-link01', dir: '.app.conf.tackle-dir01', other: '.other.conf.tackle-dead02' };
      writeFileSync(join(target, names.stale), 'partial');
      writeFileSync(join(target, names.fresh), 'partial');
      writeFileSync(join(target, names.other), 'partial');
      symlinkSync(join(dir, 'elsewhere'), join(target, names.link));
      mkdirSync(join(target, names.dir));
      for (const n of [names.stale, names.link, names.dir, names.other]) age(join(target, n));
      writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    here: { ansible_connection: local }\n');
      writeFileSync(join(dir, 'site.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - writeConfig: { text: "a=1\\n", path: ${join(target, 'app.conf')}, mode: "0644" }\n`);
      const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readFileSync(join(target, 'app.conf'), 'utf8'), 'a=1\n');
      assert.deepEqual(tempSiblings(target, 'app.conf').sort(), [names.dir, names.link, names.fresh]);
      assert.ok(existsSync(join(target, names.other)), 'a temp file of another target went');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
