import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection.ts';
import directory from '../../../tasks/files/directory.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';

function acl(program: 'getfacl' | 'setfacl', args: string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${program} not found: install the Debian package acl`);
  assert.equal(r.status, 0, `${program} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The ACL entries as getfacl prints them, without the header comments. */
function entries(path: string): string[] {
  return acl('getfacl', ['-p', '-n', '--', path])
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
}

const modeOf = (path: string) => statSync(path).mode & 0o7777;

for (const kind of CONNECTION_KINDS) {
  describe(`directory over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir();
    });
    after(async () => close());

    test('creates with mode and owner, then ok; mode and owner drift corrected', async () => {
      const path = join(dir, 'quay', 'storage');
      const params = { path, mode: '0750', owner: 1001, group: 1001 };
      assert.equal((await runTask(directory, params, conn)).status, 'changed');
      assert.equal(statSync(path).isDirectory(), true);
      assert.equal(modeOf(path), 0o750);
      assert.equal(statSync(path).uid, 1001);
      assert.equal(statSync(path).gid, 1001);
      assert.equal((await runTask(directory, params, conn)).status, 'ok');

      chmodSync(path, 0o777);
      chownSync(path, 0, 1001);
      const drift = await runTask(directory, params, conn);
      assert.equal(drift.status, 'changed');
      assert.deepEqual(drift.reasons, ['mode 0777, want 0750', 'owner 0:1001, want 1001:1001']);
      assert.equal(modeOf(path), 0o750);
      assert.equal(statSync(path).uid, 1001);
      assert.equal((await runTask(directory, params, conn)).status, 'ok');
    });

    test('recurse fixes ownership beneath', async () => {
      const path = join(dir, 'tree');
      mkdirSync(join(path, 'sub'), { recursive: true });
      writeFileSync(join(path, 'sub', 'f'), 'x');
      const params = { path, owner: 26, group: 26, recurse: true };
      assert.equal((await runTask(directory, params, conn)).status, 'changed');
      assert.equal(statSync(join(path, 'sub', 'f')).uid, 26);
      assert.equal((await runTask(directory, params, conn)).status, 'ok');
      chownSync(join(path, 'sub', 'f'), 0, 0);
      const drift = await runTask(directory, params, conn);
      assert.deepEqual(drift.reasons, ['owner differs beneath']);
      assert.equal(statSync(join(path, 'sub', 'f')).gid, 26);
    });

    test('ACL u:26:-wx as in 3.4.1: set once, ok after, removed entry restored', async () => {
      const path = join(dir, 'postgres-clairv4');
      const params = { path, acl: ['u:26:-wx'] };
      const first = await runTask(directory, params, conn);
      assert.equal(first.status, 'changed');
      assert.ok(entries(path).includes('user:26:-wx'), entries(path).join(' '));
      assert.equal((await runTask(directory, params, conn)).status, 'ok');
      assert.equal((await runTask(directory, { path, acl: ['u:26:wx-'] }, conn)).status, 'ok', 'permissions compare as sets');

      acl('setfacl', ['-x', 'u:26', path]);
      const drift = await runTask(directory, params, conn);
      assert.equal(drift.status, 'changed');
      assert.deepEqual(drift.reasons, ['ACL user:26 missing']);
      assert.ok(entries(path).includes('user:26:-wx'));
      assert.equal((await runTask(directory, params, conn)).status, 'ok');
    });

    test('mode and ACL together converge: chmod narrowing the mask is detected and undone', async () => {
      const path = join(dir, 'pgdata');
      const params = { path, mode: '2750', acl: ['u:26:rwx', 'd:u:26:rwx', 'g:root:rx'] };
      assert.equal((await runTask(directory, params, conn)).status, 'changed');
      const got = entries(path);
      for (const e of ['user::rwx', 'user:26:rwx', 'group::r-x', 'group:0:r-x', 'mask::rwx', 'other::---', 'default:user:26:rwx']) {
        assert.ok(got.includes(e), `${e} in ${got.join(' ')}`);
      }
      assert.equal(modeOf(path) & 0o7000, 0o2000, 'setgid kept');
      assert.equal((await runTask(directory, params, conn)).status, 'ok');

      chmodSync(path, 0o2700); // with an extended ACL this sets the mask to ---
      const drift = await runTask(directory, params, conn);
      assert.equal(drift.status, 'changed');
      assert.ok(drift.reasons.some((r) => r.includes('mask --- narrows user:26')), drift.reasons.join('; '));
      assert.ok(entries(path).includes('mask::rwx'));
      assert.ok(entries(path).includes('group::r-x'));
      assert.equal((await runTask(directory, params, conn)).status, 'ok');

      chmodSync(path, 0o2755);
      const modeDrift = await runTask(directory, params, conn);
      assert.deepEqual(modeDrift.reasons, ['mode 02755, want 02750', 'ACL mask r-x narrows user:26 (rwx)']);
      assert.ok(entries(path).includes('other::---'));
      assert.ok(entries(path).includes('mask::rwx'));
      assert.equal((await runTask(directory, params, conn)).status, 'ok');
    });

    test('aclExclusive removes unlisted entries; without it they are kept', async () => {
      const path = join(dir, 'exclusive');
      mkdirSync(path);
      acl('setfacl', ['-m', 'u:27:rx,d:u:27:rx', path]);
      assert.equal((await runTask(directory, { path, acl: ['u:26:rx'] }, conn)).status, 'changed');
      assert.ok(entries(path).includes('user:27:r-x'));
      const excl = await runTask(directory, { path, acl: ['u:26:rx'], aclExclusive: true }, conn);
      assert.equal(excl.status, 'changed');
      const got = entries(path);
      assert.ok(!got.some((e) => e.includes(':27:')), got.join(' '));
      assert.ok(!got.some((e) => e.startsWith('default:')), got.join(' '));
      assert.ok(got.includes('user:26:r-x'));
      assert.equal((await runTask(directory, { path, acl: ['u:26:rx'], aclExclusive: true }, conn)).status, 'ok');
    });

    test('check mode reports with a diff and creates nothing', async () => {
      const path = join(dir, 'not-yet');
      const out = await runTask(directory, { path, mode: '0700', acl: ['u:26:-wx'] }, conn, { check: true, diff: true });
      assert.equal(out.status, 'changed');
      assert.equal(existsSync(path), false);
      assert.equal(out.diff[0]?.before, '');
      assert.match(out.diff[0]!.after, /^acl: user:26:-wx$/m);

      mkdirSync(path, { mode: 0o755 });
      chmodSync(path, 0o755);
      const existing = await runTask(directory, { path, mode: '0700', acl: ['u:26:-wx'] }, conn, { check: true, diff: true });
      assert.equal(existing.status, 'changed');
      assert.equal(modeOf(path), 0o755);
      assert.ok(!entries(path).some((e) => e.includes(':26:')));
      assert.match(existing.diff[0]!.before, /^mode: 0755$/m);
      assert.match(existing.diff[0]!.after, /^mode: 0700$/m);
    });

    test('state absent removes the tree; then ok', async () => {
      const path = join(dir, 'gone');
      mkdirSync(join(path, 'x'), { recursive: true });
      assert.equal((await runTask(directory, { path, state: 'absent' as const }, conn, { check: true })).status, 'changed');
      assert.equal(existsSync(path), true);
      assert.equal((await runTask(directory, { path, state: 'absent' as const }, conn)).status, 'changed');
      assert.equal(existsSync(path), false);
      assert.equal((await runTask(directory, { path, state: 'absent' as const }, conn)).status, 'ok');
    });

    test('a bad ACL entry and an unknown user are errors', async () => {
      await assert.rejects(runTask(directory, { path: join(dir, 'bad'), acl: ['u:26'] }, conn), /setfacl syntax/);
      await assert.rejects(runTask(directory, { path: join(dir, 'bad'), acl: ['u:no-such-user-xyz:rx'] }, conn), /no such user/);
    });
  });
}
