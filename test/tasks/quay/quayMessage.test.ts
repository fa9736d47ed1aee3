import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskError } from '../../../engine/errors.ts';
import quayMessage from '../../../tasks/quay/quayMessage.ts';
import { FakeQuay } from '../../helpers/fake-quay.ts';
import { localConnection, runTask } from '../../helpers/task-harness.ts';

describe('quayMessage', () => {
  let quay: FakeQuay;
  let token: string;
  const conn = localConnection();
  const params = () => ({ url: quay.url, token, content: 'Maintenance on **Saturday**' });

  before(async () => {
    quay = await FakeQuay.start();
    token = quay.addUser('quayadmin', 'password123');
  });
  after(() => quay.close());
  beforeEach(() => {
    quay.messages = [];
    quay.clearRequests();
  });

  test('creates the message (normal is Quay\'s "info"), then a second run writes nothing', async () => {
    const first = await runTask(quayMessage, params(), conn);
    assert.equal(first.status, 'changed');
    assert.deepEqual(quay.messages.map(({ content, severity, media_type }) => ({ content, severity, media_type })), [
      { content: 'Maintenance on **Saturday**', severity: 'info', media_type: 'text/markdown' },
    ]);
    assert.deepEqual(quay.writes().map((r) => r.body), [
      { message: { content: 'Maintenance on **Saturday**', media_type: 'text/markdown', severity: 'info' } },
    ]);

    quay.clearRequests();
    const second = await runTask(quayMessage, params(), conn);
    assert.equal(second.status, 'ok');
    assert.deepEqual(quay.writes(), []);
    assert.deepEqual(quay.requests.map((r) => `${r.method} ${r.path}`), ['GET /api/v1/messages']);
  });

  test('same content with another severity is replaced: one message left, with the new severity', async () => {
    await runTask(quayMessage, params(), conn);
    const oldUuid = quay.messages[0]!.uuid;
    quay.clearRequests();
    const outcome = await runTask(quayMessage, { ...params(), severity: 'warning' as const }, conn);
    assert.equal(outcome.status, 'changed');
    assert.equal(quay.messages.length, 1);
    assert.equal(quay.messages[0]!.severity, 'warning');
    assert.deepEqual(quay.writes().map((r) => `${r.method} ${r.path}`), ['POST /api/v1/messages', `DELETE /api/v1/message/${oldUuid}`]);
    assert.equal((await runTask(quayMessage, { ...params(), severity: 'warning' as const }, conn)).status, 'ok');
  });

  test('duplicates are reduced to one; other messages are left alone', async () => {
    quay.messages.push(
      { uuid: 'a', content: 'Maintenance on **Saturday**', severity: 'info', media_type: 'text/markdown' },
      { uuid: 'b', content: 'Maintenance on **Saturday**', severity: 'info', media_type: 'text/markdown' },
      { uuid: 'c', content: 'Unrelated', severity: 'error', media_type: 'text/plain' },
    );
    const outcome = await runTask(quayMessage, params(), conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.messages.map((m) => m.uuid), ['a', 'c']);
  });

  test('state absent deletes it; check mode sends no write', async () => {
    await runTask(quayMessage, params(), conn);
    quay.clearRequests();
    const checked = await runTask(quayMessage, { ...params(), state: 'absent' as const }, conn, { check: true });
    assert.equal(checked.status, 'changed');
    assert.deepEqual(quay.writes(), []);
    assert.equal(quay.messages.length, 1);

    const removed = await runTask(quayMessage, { ...params(), state: 'absent' as const }, conn);
    assert.equal(removed.status, 'changed');
    assert.deepEqual(quay.messages, []);
    assert.equal((await runTask(quayMessage, { ...params(), state: 'absent' as const }, conn)).status, 'ok');
  });

  test('a bad token fails with 401 and the URL, never the token', async () => {
    const bad = 'NOT-A-REAL-TOKEN-1234';
    await assert.rejects(runTask(quayMessage, { ...params(), token: bad }, conn), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /401/);
      assert.ok(error.message.includes(`${quay.url}/api/v1/messages`), error.message);
      assert.ok(!error.message.includes(bad));
      return true;
    });
    assert.deepEqual(quay.writes(), []);
  });

  test('the fake, like Quay, refuses an anonymous write with 401', async () => {
    const res = await fetch(`${quay.url}/api/v1/messages`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 401);
  });

  test('an unreachable Quay fails naming the URL', async () => {
    await assert.rejects(runTask(quayMessage, { ...params(), url: 'http://127.0.0.1:1' }, conn), /cannot reach Quay: GET http:\/\/127\.0\.0\.1:1\/api\/v1\/messages: ECONNREFUSED/);
  });
});
