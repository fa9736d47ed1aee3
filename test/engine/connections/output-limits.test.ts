import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import { LocalConnection } from '../../../engine/connections/local.ts';
import { SshConnection } from '../../../engine/connections/ssh/ssh-connection.ts';
import { BecomeConnection } from '../../../engine/connections/become.ts';
import { MAX_BECOME_READ_BYTES, MAX_COMMAND_OUTPUT_BYTES, MAX_FILE_READ_BYTES } from '../../../engine/connections/output-limit.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { tempDir } from '../../helpers/task-harness.ts';

// What a connection holds in memory is bounded: a command's output and a file read. The same
// over the local connection, SSH through the persistent shell, and SSH with one channel a command.
describe('output and file read limits, local and over a real sshd', () => {
  let hosts: SshTestHosts;
  let dir: string;
  const conns: [string, Connection][] = [];

  before(async () => {
    hosts = await startSshHosts(1);
    dir = tempDir('tackle-limits-');
    const h = hosts.hosts[0]!;
    const spec = { hostName: h.name, kind: 'ssh' as const, address: h.address, port: h.port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile };
    conns.push(['local', new LocalConnection('localhost')], ['ssh shell', await SshConnection.open(spec, 'shell')], ['ssh channel', await SshConnection.open(spec, 'channel')]);
    // Under become files are read by a command (sudo), through its capped output.
    conns.push(['local, become', new BecomeConnection(new LocalConnection('localhost'), { user: 'root' })], ['ssh, become', new BecomeConnection(await SshConnection.open(spec, 'shell'), { user: 'root' })]);
  });
  after(async () => {
    for (const [, c] of conns) await c.close();
    await hosts?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const over = String(MAX_COMMAND_OUTPUT_BYTES + 1024 * 1024);
  for (const which of ['local', 'ssh shell', 'ssh channel']) {
    test(`${which}: stdout or stderr past the limit fails the command with a clear message; the connection still works`, async () => {
      const conn = conns.find(([n]) => n === which)![1];
      await assert.rejects(conn.exec(['head', '-c', over, '/dev/zero']), { name: 'OutputTooLargeError', message: /stdout of head|output of head/ });
      await assert.rejects(conn.exec(['sh', '-c', `head -c ${over} /dev/zero >&2`]), { name: 'OutputTooLargeError', message: /larger than 16 MiB, the most tackle keeps of a command's output/ });
      const small = await conn.exec(['head', '-c', String(MAX_COMMAND_OUTPUT_BYTES), '/dev/zero']);
      assert.equal(small.stdout.length, MAX_COMMAND_OUTPUT_BYTES, 'output up to the limit is kept whole');
      assert.equal((await conn.exec(['echo', 'still here'])).stdout, 'still here\n');
    });
  }

  for (const which of ['local', 'ssh shell', 'ssh channel', 'local, become', 'ssh, become']) {
    test(`${which}: a file larger than the read limit is refused by its size, before it is read; a large file under it reads back exactly`, async () => {
      const conn = conns.find(([n]) => n === which)![1];
      const become = which.endsWith('become');
      const limit = become ? MAX_BECOME_READ_BYTES : MAX_FILE_READ_BYTES;
      const name = which.replace(/\W+/g, '-');
      const huge = join(dir, `huge-${name}`);
      writeFileSync(huge, '');
      truncateSync(huge, limit + 1); // sparse: costs no disk
      const said = become ? `${limit} bytes tackle reads as another user \\(become\\)` : '64 MiB tackle reads into memory';
      await assert.rejects(conn.readFile(huge), { name: 'FileTooLargeError', message: new RegExp(`${huge} is ${limit + 1} bytes, larger than the ${said}`) });
      truncateSync(huge, limit);
      assert.equal((await conn.readFile(huge))!.length, limit, 'a file of exactly the limit is read whole');
      const data = randomBytes(5 * 1024 * 1024 + 123);
      const file = join(dir, `data-${name}`);
      await conn.writeFile(file, data);
      assert.ok(readFileSync(file).equals(data), 'written exactly (pipelined SFTP writes land in order)');
      assert.ok((await conn.readFile(file))!.equals(data), 'read back exactly');
    });
  }

  test('ssh: a write to a full file system says "no space left on device" and leaves no temp file', async () => {
    const full = join(dir, 'full');
    mkdirSync(full);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tackle-test-full', full], { encoding: 'utf8' });
    assert.equal(mount.status, 0, `mounting a small tmpfs needs root and mount (Debian package mount): ${mount.stderr}`);
    try {
      const conn = conns.find(([n]) => n === 'ssh shell')![1];
      await assert.rejects(conn.writeFile(join(full, 'big'), randomBytes(1024 * 1024)), {
        message: new RegExp(`cannot write ${full}/\\.big\\.tackle-[^ ]+: no space left on device \\(\\d+ bytes free on its file system, 1048576 to write\\)`),
      });
      assert.deepEqual(spawnSync('ls', ['-A', full], { encoding: 'utf8' }).stdout, '');
    } finally {
      spawnSync('umount', [full]);
    }
  });
});
