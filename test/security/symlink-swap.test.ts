import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import directory from '../../tasks/files/directory.ts';
import writeConfig from '../../tasks/files/writeConfig.ts';
import { runTask, tempDir } from '../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../helpers/connections.ts';

const modeOf = (path: string) => statSync(path).mode & 0o7777;

/**
 * The attacker who can write the parent directory: right after tackle has looked at PATH
 * (the last read of it during check), PATH becomes a symlink to a file tackle must not touch.
 */
function swapAfterCheck(conn: Connection, path: string, victim: string, lastLook: 'stat' | 'readFile'): Connection {
  let swapped = false;
  const swap = (): void => {
    if (swapped) return;
    swapped = true;
    renameSync(path, `${path}.moved`);
    symlinkSync(victim, path);
  };
  return {
    ...conn,
    exec: (argv, opts) => conn.exec(argv, opts),
    readFile: async (p) => {
      const r = await conn.readFile(p);
      if (p === path && lastLook === 'readFile') swap();
      return r;
    },
    writeFile: (p, d, o) => conn.writeFile(p, d, o),
    stat: async (p) => {
      const r = await conn.stat(p);
      if (p === path && lastLook === 'stat') swap();
      return r;
    },
    mkdir: (p, o) => conn.mkdir(p, o),
    remove: (p, o) => conn.remove(p, o),
    close: () => conn.close(),
  };
}

for (const kind of CONNECTION_KINDS) {
  describe(`attributes change what was checked, never a symlink swapped in (${kind})`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir('tackle-h6-swap-');
    });
    after(async () => close());

    test('writeConfig "attributes fixed": the symlink target keeps its mode, the change is refused', async () => {
      const victim = join(dir, 'root-only.conf');
      writeFileSync(victim, 'secret: x\n');
      chmodSync(victim, 0o600);
      const path = join(dir, 'app.conf');
      writeFileSync(path, 'a: 1\n');
      chmodSync(path, 0o600);
      const swapped = swapAfterCheck(conn, path, victim, 'readFile');
      const run = runTask(writeConfig, { path, text: 'a: 1\n', mode: '0644' }, swapped);
      await assert.rejects(run, /refusing to change .*app\.conf: it is a symlink/);
      assert.equal(modeOf(victim), 0o600, 'the file the symlink points to was made world-readable');
    });

    test('directory: the symlink target keeps its mode, the change is refused', async () => {
      const victim = join(dir, 'private');
      mkdirSync(victim, { mode: 0o700 });
      chmodSync(victim, 0o700);
      const path = join(dir, 'shared');
      mkdirSync(path, { mode: 0o700 });
      chmodSync(path, 0o700);
      const run = runTask(directory, { path, mode: '0777' }, swapAfterCheck(conn, path, victim, 'stat'));
      await assert.rejects(run, /refusing to change .*shared: it is a symlink/);
      assert.equal(modeOf(victim), 0o700, 'the directory the symlink points to was opened to everyone');
    });

    test('without a swap, the attributes are fixed as before', async () => {
      const path = join(dir, 'plain.conf');
      writeFileSync(path, 'a: 1\n');
      chmodSync(path, 0o600);
      const r = await runTask(writeConfig, { path, text: 'a: 1\n', mode: '0640' }, conn);
      assert.equal(r.status, 'changed', r.message);
      assert.equal(modeOf(path), 0o640);
      const sub = join(dir, 'plain-dir');
      mkdirSync(sub, { mode: 0o700 });
      chmodSync(sub, 0o700);
      assert.equal((await runTask(directory, { path: sub, mode: '2750' }, conn)).status, 'changed');
      assert.equal(modeOf(sub), 0o2750);
    });
  });
}
