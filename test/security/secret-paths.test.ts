import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection.ts';
import secret from '../../tasks/files/secret.ts';
import { runTask, tempDir } from '../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../helpers/connections.ts';

const modeOf = (path: string) => statSync(path).mode & 0o7777;

for (const kind of CONNECTION_KINDS) {
  describe(`secret files: no symlink adopted, modes fixed (${kind})`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir('tackle-h6-secret-');
    });
    after(async () => close());

    test('a symlink at the secret path is refused; its target is neither read nor changed', async () => {
      const victim = join(dir, 'shadow-like');
      writeFileSync(victim, 'ROOT-ONLY-CONTENT-1234\n');
      chmodSync(victim, 0o600);
      const path = join(dir, 'db-password');
      symlinkSync(victim, path);
      await assert.rejects(runTask(secret, { path, bytes: 32, encoding: 'alnum', mode: '0600' }, conn), /is a link, not a regular file: refusing/);
      assert.equal(readFileSync(victim, 'utf8'), 'ROOT-ONLY-CONTENT-1234\n');
      assert.equal(modeOf(victim), 0o600);
    });

    test('an existing secret with mode 0644 is narrowed to 0600, its value kept; then ok', async () => {
      const path = join(dir, 'psk');
      writeFileSync(path, 'existing-value-5678\n');
      chmodSync(path, 0o644);
      const params = { path, bytes: 32, encoding: 'alnum' as const, mode: '0600' };
      const checked = await runTask(secret, params, conn, { check: true });
      assert.equal(checked.status, 'changed');
      assert.deepEqual(checked.reasons, ['mode 0644, want 0600']);
      const fixed = await runTask(secret, params, conn);
      assert.equal(fixed.status, 'changed');
      assert.equal(fixed.data['value'], 'existing-value-5678');
      assert.equal(modeOf(path), 0o600);
      assert.equal(readFileSync(path, 'utf8'), 'existing-value-5678\n');
      assert.equal((await runTask(secret, params, conn)).status, 'ok');
    });
  });
}
