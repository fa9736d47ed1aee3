import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskError } from '../../../engine/errors.ts';
import quayUser from '../../../tasks/quay/quayUser.ts';
import { FakeQuay, type FakeQuayOptions } from '../../helpers/fake-quay.ts';
import { localConnection, runTask, tempDir } from '../../helpers/task-harness.ts';

describe('quayUser', () => {
  let quay: FakeQuay;
  const conn = localConnection();
  const start = async (opts: FakeQuayOptions = {}) => {
    quay = await FakeQuay.start(opts);
  };
  const params = (extra: { tokenFile?: string; password?: string } = {}) => ({
    url: quay.url,
    username: 'quayadmin',
    password: 'password123',
    email: 'admin@example.com',
    ...extra,
  });
  afterEach(() => quay.close());

  test('initializes the first user, registers its token and writes tokenFile 0600; the second run writes nothing', async () => {
    await start();
    const tokenFile = join(tempDir(), 'quay-token');
    const first = await runTask(quayUser, params({ tokenFile }), conn);
    assert.equal(first.status, 'changed');
    const token = first.data.token;
    assert.equal(typeof token, 'string');
    assert.equal(quay.tokens.get(token as string), 'quayadmin');
    assert.deepEqual(quay.writes().map((r) => r.body), [
      { username: 'quayadmin', password: 'password123', email: 'admin@example.com', access_token: true },
    ]);
    assert.equal(readFileSync(tokenFile, 'utf8'), `${String(token)}\n`);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

    quay.clearRequests();
    const second = await runTask(quayUser, params({ tokenFile }), conn);
    assert.equal(second.status, 'ok');
    assert.equal(second.data.token, token);
    assert.deepEqual(quay.writes(), []);
  });

  test('without tokenFile, an existing user is ok (found through GET /api/v1/users/NAME)', async () => {
    await start();
    assert.equal((await runTask(quayUser, params(), conn)).status, 'changed');
    quay.clearRequests();
    const again = await runTask(quayUser, params(), conn);
    assert.equal(again.status, 'ok');
    assert.equal(again.data.token, undefined);
    assert.deepEqual(quay.requests.map((r) => `${r.method} ${r.path}`), ['GET /api/v1/users/quayadmin']);
  });

  test('an already-initialised registry that has this user is ok, with no write', async () => {
    await start();
    quay.addUser('quayadmin', 'password123');
    const outcome = await runTask(quayUser, params(), conn);
    assert.equal(outcome.status, 'ok');
    assert.deepEqual(quay.writes(), []);
  });

  test('anonymous API access off: the registry login decides', async () => {
    await start({ anonymousAccess: false });
    quay.addUser('quayadmin', 'password123');
    assert.equal((await runTask(quayUser, params(), conn)).status, 'ok');
    assert.ok(quay.requests.some((r) => r.path === '/v2/auth' && r.authorization?.startsWith('Basic ')));
    assert.deepEqual(quay.writes(), []);
  });

  test('check mode on an empty registry says "would change" and sends nothing', async () => {
    await start();
    const outcome = await runTask(quayUser, params(), conn, { check: true });
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.writes(), []);
    assert.equal(quay.users.size, 0);
  });

  test('a registry initialised with other users fails clearly (initialize only works on an empty database)', async () => {
    await start();
    quay.addUser('someoneelse', 'password123');
    await assert.rejects(runTask(quayUser, params(), conn), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /already has users/);
      assert.match(error.message, /quayadmin not found/);
      return true;
    });
  });

  test('FEATURE_USER_INITIALIZE off is named in the error', async () => {
    await start({ userInitialize: false });
    await assert.rejects(runTask(quayUser, params(), conn), /FEATURE_USER_INITIALIZE: true/);
  });

  test('user exists but tokenFile is missing: fails rather than register no token', async () => {
    await start();
    quay.addUser('quayadmin', 'password123');
    const tokenFile = join(tempDir(), 'quay-token');
    await assert.rejects(runTask(quayUser, params({ tokenFile }), conn), /tokenFile .* is missing.*only once/);
  });

  test('a stale token in tokenFile fails with 401 and the URL, not the token', async () => {
    await start();
    quay.addUser('quayadmin', 'password123');
    const tokenFile = join(tempDir(), 'quay-token');
    writeFileSync(tokenFile, 'STALE-TOKEN-XYZ\n');
    await assert.rejects(runTask(quayUser, params({ tokenFile }), conn), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /401/);
      assert.ok(error.message.includes(quay.url));
      assert.ok(!error.message.includes('STALE-TOKEN-XYZ'));
      return true;
    });
  });

  test('the fake, like Quay, answers initialize on a non-empty database with 400', async () => {
    await start();
    quay.addUser('quayadmin', 'password123');
    const res = await fetch(`${quay.url}/api/v1/user/initialize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'password123', access_token: true }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { message: 'Cannot initialize user in a non-empty database' });
  });
});
