import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../../engine/connection.ts';
import { CommandError } from '../../../../engine/errors.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

/** SshConnection.mkdir works over SFTP; these pin down that it still does what `mkdir -p` + `chmod MODE` did. */
describe('SshConnection.mkdir as mkdir -p and chmod', () => {
  let hosts: SshTestHosts;
  let conn: Connection;
  let dir: string;
  const modeOf = async (path: string) => (await fs.stat(path)).mode & 0o7777;

  before(async () => {
    hosts = await startSshHosts(1);
    conn = await hosts.connect(0);
    dir = tempDir('tackle-ssh-mkdir-');
  });

  after(async () => {
    await conn?.close();
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('creates every missing parent; the mode is set on the last one only', async () => {
    const leaf = join(dir, 'p1', 'p2', 'leaf');
    await conn.mkdir(leaf, { mode: 0o700 });
    assert.equal(await modeOf(leaf), 0o700);
    assert.equal(await modeOf(join(dir, 'p1', 'p2')), 0o755);
  });

  test('an existing directory gets the asked mode, and keeps its mode when none is asked', async () => {
    const d = join(dir, 'existing');
    await fs.mkdir(d, { mode: 0o755 });
    await fs.chmod(d, 0o755);
    await conn.mkdir(d);
    assert.equal(await modeOf(d), 0o755);
    await conn.mkdir(d, { mode: 0o750 });
    assert.equal(await modeOf(d), 0o750);
    await conn.mkdir(d, { mode: 0o750 });
    assert.equal(await modeOf(d), 0o750);
  });

  test('set-group-ID stays on a directory, as with chmod 755 (GNU chmod keeps it on directories)', async () => {
    const d = join(dir, 'shared');
    await fs.mkdir(d);
    await fs.chmod(d, 0o2775);
    await conn.mkdir(d, { mode: 0o755 });
    assert.equal(await modeOf(d), 0o2755);
    await conn.mkdir(d, { mode: 0o2770 });
    assert.equal(await modeOf(d), 0o2770);
  });

  test('a symlink to a directory is followed; the mode goes to the directory', async () => {
    const target = join(dir, 'real');
    await fs.mkdir(target);
    await fs.chmod(target, 0o755);
    await fs.symlink(target, join(dir, 'alias'));
    await conn.mkdir(join(dir, 'alias'), { mode: 0o711 });
    assert.equal(await modeOf(target), 0o711);
    assert.ok((await fs.lstat(join(dir, 'alias'))).isSymbolicLink());
  });

  test('a regular file in the way fails with the command error of mkdir, and nothing is created', async () => {
    const file = join(dir, 'plain-file');
    await fs.writeFile(file, 'x');
    await assert.rejects(conn.mkdir(join(file, 'sub'), { mode: 0o755 }), (e: unknown) => e instanceof CommandError && /mkdir/.test(e.message));
    await assert.rejects(conn.mkdir(file), (e: unknown) => e instanceof CommandError);
    assert.equal(await fs.readFile(file, 'utf8'), 'x');
  });
});
