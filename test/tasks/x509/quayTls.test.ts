import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TaskError } from '../../../engine/errors.ts';
import type { AnyTaskDefinition } from '../../../engine/task.ts';
import quayMessage from '../../../tasks/quay/quayMessage.ts';
import quayMirror from '../../../tasks/quay/quayMirror.ts';
import quayUser from '../../../tasks/quay/quayUser.ts';
import { FakeQuay, makeTestTls, type TestTls } from '../../helpers/fake-quay.ts';
import { localConnection, runTask, tempDir } from '../../helpers/task-harness.ts';

describe('quay* tasks over HTTPS (CA made with openssl)', () => {
  let quay: FakeQuay;
  let tls: TestTls;
  let token: string;
  const conn = localConnection();
  const params = () => ({ url: quay.url, token, content: 'Welcome' });

  before(async () => {
    tls = makeTestTls(tempDir('tackle-quay-tls-'));
    quay = await FakeQuay.start({ tls: { key: tls.key, cert: tls.cert } });
    token = quay.addUser('quayadmin', 'password123');
  });
  after(() => quay.close());

  test('caFile on the controller: the certificate is verified and the call succeeds', async () => {
    assert.match(quay.url, /^https:/);
    const outcome = await runTask(quayMessage, { ...params(), caFile: tls.caFile }, conn);
    assert.equal(outcome.status, 'changed');
    assert.equal(quay.messages.length, 1);
  });

  test('caPem text works the same way', async () => {
    assert.equal((await runTask(quayMessage, { ...params(), caPem: tls.caPem }, conn)).status, 'ok');
  });

  test('without the CA the call fails with a certificate error and a hint', async () => {
    quay.clearRequests();
    await assert.rejects(runTask(quayMessage, params(), conn), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /cannot reach Quay: GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/messages/);
      assert.match(error.message, /SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/);
      assert.match(error.message, /set caFile or caPem/);
      return true;
    });
    assert.deepEqual(quay.requests, []);
  });

  test('validateCerts: false skips verification', async () => {
    assert.equal((await runTask(quayMessage, { ...params(), validateCerts: false }, conn)).status, 'ok');
  });

  test('an unreadable caFile is named in the error', async () => {
    const missing = join(tls.dir, 'no-such-ca.pem');
    await assert.rejects(runTask(quayMessage, { ...params(), caFile: missing }, conn), new RegExp(`cannot read caFile ${missing} on the controller`));
  });
});

describe('quay* task schemas', () => {
  const defs: AnyTaskDefinition[] = [quayUser, quayMessage, quayMirror];
  for (const def of defs) {
    test(`${def.name}: closed schema, every field described, secrets declared`, () => {
      const schema = def.schema as { additionalProperties: boolean; properties: Record<string, { description?: string }> };
      assert.equal(schema.additionalProperties, false);
      for (const [name, prop] of Object.entries(schema.properties)) assert.ok(prop.description, `${def.name}.${name} has no description`);
      for (const secret of def.secretParams ?? []) assert.ok(secret in schema.properties, `${secret} is not a parameter`);
      assert.match(String(schema.properties.caFile?.description), /ON THE CONTROLLER/);
    });
  }
  test('secret parameters: token, password', () => {
    assert.deepEqual(quayUser.secretParams, ['password']);
    assert.deepEqual(quayMessage.secretParams, ['token']);
    assert.deepEqual(quayMirror.secretParams, ['token', 'password']);
  });
});
