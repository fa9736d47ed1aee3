import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Connection, ConnectionSpec } from '../../../engine/connection.ts';
import { BecomeError, openConnection } from '../../../engine/connections/index.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { tempDir } from '../../helpers/task-harness.ts';

const LOGIN_USER = 'tackle-sudo-test';
const SUDOERS_FILE = '/etc/sudoers.d/tackle-sudo-test';
const NOBODY_UID = 65534;

function requireSudo(): void {
  if (!existsSync('/usr/bin/sudo')) throw new Error('/usr/bin/sudo not found: install the Debian package sudo');
}

/** A login user whose sudo asks for its password (root's sudo never asks). */
function createPasswordUser(password: string): void {
  if (spawnSync('id', ['-u', LOGIN_USER], { stdio: 'ignore' }).status !== 0) {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', LOGIN_USER]);
  }
  execFileSync('chpasswd', { input: `${LOGIN_USER}:${password}\n` });
  execFileSync('sh', ['-c', 'umask 0337 && cat > "$1"', 'sh', SUDOERS_FILE], { input: `${LOGIN_USER} ALL=(ALL:ALL) ALL\n` });
  execFileSync('visudo', ['-c', '-q', '-f', SUDOERS_FILE]);
}

function removePasswordUser(): void {
  spawnSync('rm', ['-f', SUDOERS_FILE]);
  spawnSync('userdel', ['--remove', LOGIN_USER], { stdio: 'ignore' });
}

async function exerciseFiles(conn: Connection, dir: string, expectedUid: number): Promise<void> {
  const file = join(dir, 'sub', 'key.pem');
  await conn.mkdir(join(dir, 'sub'), { mode: 0o700 });
  const data = randomBytes(5000);
  await conn.writeFile(file, data, { mode: 0o600 });
  const st = await fs.stat(file);
  assert.equal(st.uid, expectedUid);
  assert.equal(st.mode & 0o777, 0o600);
  assert.deepEqual(await conn.readFile(file), data);
  const info = await conn.stat(file);
  assert.deepEqual([info?.type, info?.mode, info?.uid, info?.size], ['file', 0o600, expectedUid, data.length]);
  assert.equal((await conn.stat(join(dir, 'sub')))?.type, 'dir');
  assert.equal(await conn.readFile(join(dir, 'missing')), null);
  assert.equal(await conn.stat(join(dir, 'missing')), null);
  await conn.writeFile(file, 'replaced', { mode: 0o644 });
  assert.equal(await fs.readFile(file, 'utf8'), 'replaced');
  assert.equal((await fs.stat(file)).mode & 0o777, 0o644);
  await conn.remove(join(dir, 'sub'), { recursive: true });
  assert.equal(existsSync(join(dir, 'sub')), false);
}

describe('become through sudo', () => {
  let hosts: SshTestHosts;
  let dir: string;
  const password = `pw-${randomBytes(9).toString('hex')}`;

  const sshSpec = (user: string, become: ConnectionSpec['become']): ConnectionSpec => {
    const h = hosts.hosts[0]!;
    return { hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user, privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile, become };
  };

  before(async () => {
    requireSudo();
    createPasswordUser(password);
    hosts = await startSshHosts(1);
    dir = tempDir('tackle-become-');
    await fs.chmod(dir, 0o755);
  });

  after(async () => {
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    removePasswordUser();
  });

  test('local: root becomes nobody for commands and files', async () => {
    const conn = await openConnection({ hostName: 'localhost', kind: 'local', become: { user: 'nobody' } });
    assert.deepEqual(await conn.exec(['id', '-un']), { code: 0, stdout: 'nobody\n', stderr: '' });
    const r = await conn.exec(['sh', '-c', 'cat; echo "$X" >&2; pwd; exit 3'], { input: 'in\n', env: { X: 'ex' }, cwd: '/tmp' });
    assert.deepEqual(r, { code: 3, stdout: 'in\n/tmp\n', stderr: 'ex\n' });
    const own = join(dir, 'local-nobody');
    await fs.mkdir(own);
    await fs.chown(own, NOBODY_UID, NOBODY_UID);
    await exerciseFiles(conn, own, NOBODY_UID);
    await conn.close();
  });

  test('ssh: root becomes nobody for commands and files', async () => {
    const conn = await openConnection(sshSpec('root', { user: 'nobody' }));
    assert.equal((await conn.exec(['id', '-un'])).stdout, 'nobody\n');
    assert.equal((await conn.exec(['cat'], { input: 'a\nb' })).stdout, 'a\nb');
    const own = join(dir, 'ssh-nobody');
    await fs.mkdir(own);
    await fs.chown(own, NOBODY_UID, NOBODY_UID);
    await exerciseFiles(conn, own, NOBODY_UID);
    await conn.close();
  });

  test('ssh: a user with a sudo password becomes root; the password never shows in ps', async () => {
    const conn = await openConnection(sshSpec(LOGIN_USER, { user: 'root', password }));
    const snapshots: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        snapshots.push(execFileSync('ps', ['-eo', 'args']).toString());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      assert.equal((await conn.exec(['id', '-un'])).stdout, 'root\n');
      const r = await conn.exec(['sh', '-c', 'sleep 1; cat'], { input: 'stdin after the password\n' });
      assert.deepEqual(r, { code: 0, stdout: 'stdin after the password\n', stderr: '' });
      // Root-only place: SFTP as the login user could not write here.
      const rootOnly = join(dir, 'root-only');
      await fs.mkdir(rootOnly, { mode: 0o700 });
      await exerciseFiles(conn, rootOnly, 0);
    } finally {
      watching = false;
      await watcher;
      await conn.close();
    }
    assert.ok(snapshots.some((s) => s.includes('sudo -H -S')), 'ps never saw the sudo command, so the check proves nothing');
    assert.ok(snapshots.every((s) => !s.includes(password)), 'the password appeared in ps output');
  });

  test('ssh: a missing or wrong become password is a BecomeError, and the command does not run', async () => {
    const marker = join(dir, 'should-not-exist');
    const noPassword = await openConnection(sshSpec(LOGIN_USER, { user: 'root' }));
    await assert.rejects(noPassword.exec(['touch', marker]), (e: unknown) => e instanceof BecomeError && /needs a password to become root/.test(e.message));
    await noPassword.close();
    const wrong = await openConnection(sshSpec(LOGIN_USER, { user: 'root', password: 'not-the-password' }));
    await assert.rejects(wrong.exec(['touch', marker]), (e: unknown) => e instanceof BecomeError && /rejected the become password/.test(e.message) && !e.message.includes('not-the-password'));
    await wrong.close();
    assert.equal(existsSync(marker), false);
  });

  test('local: sudo missing from PATH is a clear BecomeError naming the package', async () => {
    const conn = await openConnection({ hostName: 'localhost', kind: 'local', become: { user: 'nobody' } });
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      await assert.rejects(conn.exec(['id']), (e: unknown) => e instanceof BecomeError && /sudo is not installed \(Debian package sudo\)/.test(e.message));
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
