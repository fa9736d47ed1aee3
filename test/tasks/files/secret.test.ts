import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import secret from '../../../tasks/files/secret.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';

for (const kind of CONNECTION_KINDS) {
  describe(`secret over ${kind}`, () => {
    const dir = tempDir();
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('generated once at 0600, reused on re-runs, check mode writes nothing', async () => {
      const { conn, close } = await openTestConnection(kind);
      try {
        const path = join(dir, 'secrets', 'clair_psk');
        const params = { path, bytes: 16, encoding: 'base64' as const, mode: '0600' };
        const planned = await runTask(secret, params, conn, { check: true });
        assert.equal(planned.status, 'changed');
        assert.throws(() => statSync(path), /ENOENT/);

        const first = await runTask(secret, params, conn);
        assert.equal(first.status, 'changed');
        const value = String(first.data['value']);
        assert.equal(Buffer.from(value, 'base64').length, 16);
        assert.equal(readFileSync(path, 'utf8'), value + '\n');
        assert.equal(statSync(path).mode & 0o777, 0o600);

        const second = await runTask(secret, params, conn);
        assert.equal(second.status, 'ok');
        assert.equal(second.data['value'], value, 'the same secret is read back');

        writeFileSync(path, 'user-chosen\n');
        const given = await runTask(secret, { ...params, value: 'another-value' }, conn);
        assert.equal(given.status, 'changed');
        assert.equal(readFileSync(path, 'utf8'), 'another-value\n');
      } finally {
        await close();
      }
    });
  });
}
