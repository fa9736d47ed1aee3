import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import type { Connection } from '../../../../engine/connection.ts';
import { ConnectionError, TimeoutError } from '../../../../engine/errors.ts';
import { openConnection } from '../../../../engine/connections/index.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

describe('SshConnection against a real sshd', () => {
  let hosts: SshTestHosts;
  let conn: Connection;
  let dir: string;

  before(async () => {
    hosts = await startSshHosts(5);
    conn = await hosts.connect(0);
    dir = tempDir('tackle-ssh-files-');
  });

  after(async () => {
    await conn?.close();
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('exec returns exit code, stdout and stderr, and feeds stdin', async () => {
    const r = await conn.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual(r, { code: 7, stdout: 'out\n', stderr: 'err\n' });
    const cat = await conn.exec(['cat'], { input: 'line one\nline two' });
    assert.equal(cat.stdout, 'line one\nline two');
    assert.equal(cat.code, 0);
    const big = randomBytes(300_000).toString('base64');
    assert.equal((await conn.exec(['cat'], { input: big })).stdout, big);
  });

  test('exec passes env and cwd, and reports a missing program as 127', async () => {
    const r = await conn.exec(['sh', '-c', 'printf "%s|%s" "$GREETING" "$(pwd)"'], { env: { GREETING: 'hi there' }, cwd: dir });
    assert.equal(r.stdout, `hi there|${dir}`);
    assert.equal((await conn.exec(['tackle-no-such-program'])).code, 127);
    assert.notEqual((await conn.exec(['true'], { cwd: join(dir, 'missing') })).code, 0);
  });

  test('many concurrent commands on one connection (beyond the per-connection channel limit)', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.1; echo ${i}`])));
    assert.deepEqual(results.map((r) => r.stdout.trim()), Array.from({ length: 30 }, (_, i) => String(i)));
  });

  test('writeFile / readFile / stat / mkdir / remove round trips', async () => {
    const sub = join(dir, 'a', 'b', 'c');
    await conn.mkdir(sub, { mode: 0o750 });
    const dirInfo = await conn.stat(sub);
    assert.equal(dirInfo?.type, 'dir');
    assert.equal(dirInfo?.mode, 0o750);
    await conn.mkdir(sub); // exists: no error

    const file = join(sub, 'data.bin');
    const data = randomBytes(100_000);
    await conn.writeFile(file, data, { mode: 0o640 });
    assert.deepEqual(await conn.readFile(file), data);
    assert.deepEqual(await fs.readFile(file), data);
    const info = await conn.stat(file);
    assert.equal(info?.type, 'file');
    assert.equal(info?.mode, 0o640);
    assert.equal(info?.size, data.length);
    assert.equal(info?.uid, 0);
    assert.ok(Math.abs((info?.mtimeMs ?? 0) - Date.now()) < 60_000);

    await conn.writeFile(join(sub, 'text.txt'), 'héllo\n');
    assert.equal((await fs.readFile(join(sub, 'text.txt'), 'utf8')), 'héllo\n');
    assert.equal((await fs.stat(join(sub, 'text.txt'))).mode & 0o777, 0o644);

    await fs.symlink('data.bin', join(sub, 'link'));
    assert.equal((await conn.stat(join(sub, 'link')))?.type, 'link');

    assert.equal(await conn.readFile(join(sub, 'nope')), null);
    assert.equal(await conn.stat(join(sub, 'nope')), null);

    await conn.remove(file);
    assert.equal(existsSync(file), false);
    await conn.remove(file); // missing: no error
    await conn.remove(join(dir, 'a'), { recursive: true });
    assert.equal(existsSync(join(dir, 'a')), false);
  });

  test('writeFile sets the mode past the umask and sets owner and group by name', async () => {
    const file = join(dir, 'open.txt');
    await conn.writeFile(file, 'x', { mode: 0o666 });
    assert.equal((await fs.stat(file)).mode & 0o777, 0o666);
    const owned = join(dir, 'owned.txt');
    await conn.writeFile(owned, 'x', { mode: 0o600, owner: 'nobody', group: 'nogroup' });
    const st = await fs.stat(owned);
    assert.equal(st.uid, Number(execFileSync('id', ['-u', 'nobody']).toString()));
    assert.equal(st.gid, Number(execFileSync('getent', ['group', 'nogroup']).toString().split(':')[2]));
  });

  test('writeFile creates the file 0600 from its first byte and replaces the target atomically', async () => {
    const target = join(dir, 'secret.key');
    await fs.writeFile(target, 'old content');
    const oldInode = (await fs.stat(target)).ino;
    const oldHandle = await fs.open(target, 'r');

    // Watch the directory while a large write is in flight: every temp file seen must already be 0600.
    const seenModes: number[] = [];
    let writing = true;
    const watcher = (async () => {
      while (writing) {
        for (const name of await fs.readdir(dir)) {
          if (!name.startsWith('.secret.key.tackle-')) continue;
          try {
            seenModes.push((await fs.lstat(join(dir, name))).mode & 0o777);
          } catch {
            // renamed meanwhile
          }
        }
      }
    })();
    const content = randomBytes(8 * 1024 * 1024);
    await conn.writeFile(target, content, { mode: 0o600 });
    writing = false;
    await watcher;

    assert.ok(seenModes.length > 0, 'the temp file was never observed');
    assert.deepEqual([...new Set(seenModes)], [0o600]);
    assert.deepEqual(await fs.readFile(target), content);
    assert.equal((await fs.stat(target)).mode & 0o777, 0o600);
    // Rename, not rewrite: a reader holding the old file still sees the old content.
    assert.notEqual((await fs.stat(target)).ino, oldInode);
    assert.equal((await oldHandle.readFile()).toString(), 'old content');
    await oldHandle.close();
    assert.deepEqual((await fs.readdir(dir)).filter((n) => n.includes('.tackle-')), []);
  });

  test('a timeout kills the command and the connection stays usable', async () => {
    const marker = join(dir, 'timeout-marker');
    const started = Date.now();
    await assert.rejects(
      conn.exec(['sh', '-c', `sleep 3; touch '${marker}'`], { timeoutMs: 300 }),
      (e: unknown) => e instanceof TimeoutError && /timed out after 300 ms/.test(e.message),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2500, `timeout took ${elapsed} ms`);
    const ok = await conn.exec(['echo', 'alive'], { timeoutMs: 5000 });
    assert.deepEqual(ok, { code: 0, stdout: 'alive\n', stderr: '' });
    await new Promise((r) => setTimeout(r, 3500 - (Date.now() - started)));
    assert.equal(existsSync(marker), false, 'the timed-out command went on running');
  });

  test('the spec command timeout applies when the call sets none', async () => {
    const h = hosts.hosts[1]!;
    const c = await openConnection({
      hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root',
      privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile, commandTimeoutMs: 1500,
    });
    try {
      await assert.rejects(c.exec(['sleep', '5']), TimeoutError);
      assert.equal((await c.exec(['true'])).code, 0);
    } finally {
      await c.close();
    }
  });

  test('five hosts at once, each its own sshd', async () => {
    const conns = await Promise.all(hosts.hosts.map((_, i) => hosts.connect(i)));
    try {
      const outs = await Promise.all(conns.map((c) => c.exec(['sh', '-c', 'echo "$SSH_CONNECTION"'])));
      outs.forEach((r, i) => {
        assert.equal(r.code, 0);
        assert.equal(r.stdout.trim().split(' ')[3], String(hosts.hosts[i]!.port));
      });
      assert.deepEqual(conns.map((c) => c.hostName), ['host1', 'host2', 'host3', 'host4', 'host5']);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  test('a connection dropped during a call fails with ConnectionError', async () => {
    const c = await hosts.connect(2);
    // The command's parent is the sshd process serving this connection.
    await assert.rejects(c.exec(['sh', '-c', 'kill -9 $PPID; sleep 5']), ConnectionError);
    await assert.rejects(c.exec(['true']), ConnectionError);
    await assert.rejects(c.readFile('/etc/hostname'), ConnectionError);
    await c.close();
  });

  test('a stopped sshd or a closed port is unreachable, quickly', async () => {
    await hosts.stopHost(4);
    let started = Date.now();
    await assert.rejects(hosts.connect(4), (e: unknown) => e instanceof ConnectionError && /host5/.test(e.message));
    assert.ok(Date.now() - started < 2000);

    started = Date.now();
    await assert.rejects(
      openConnection({ hostName: 'ghost', kind: 'ssh', address: '127.0.0.1', port: 1, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile }),
      (e: unknown) => e instanceof ConnectionError && /ghost: cannot connect to 127\.0\.0\.1:1/.test(e.message),
    );
    assert.ok(Date.now() - started < 2000);
  });

  test('a server that never answers the handshake hits the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    try {
      await assert.rejects(
        openConnection({ hostName: 'mute', kind: 'ssh', address: '127.0.0.1', port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile, connectTimeoutMs: 500 }),
        (e: unknown) => e instanceof ConnectionError && /mute: timed out connecting to 127\.0\.0\.1:\d+/.test(e.message),
      );
      assert.ok(Date.now() - started < 3000);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  test('a key the server does not accept is an authentication ConnectionError', async () => {
    const otherKey = join(dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const h = hosts.hosts[3]!;
    await assert.rejects(
      openConnection({ hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root', privateKeyFile: otherKey, knownHostsFile: hosts.knownHostsFile }),
      (e: unknown) => e instanceof ConnectionError && /authentication failed for user root/.test(e.message),
    );
  });
});
