import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskError } from '../../../engine/errors.ts';
import { ParamValidator } from '../../../engine/run/param-validator.ts';
import quayMirror from '../../../tasks/quay/quayMirror.ts';
import { FakeQuay } from '../../helpers/fake-quay.ts';
import { localConnection, preparedParams, runTask } from '../../helpers/task-harness.ts';
import { executeTask } from '../../../engine/run/execute-task.ts';

const KEY = 'mirrors/quay-rhel8';

describe('quayMirror', () => {
  let quay: FakeQuay;
  let token: string;
  const conn = localConnection();
  const params = () => ({
    url: quay.url,
    token,
    namespace: 'mirrors',
    repository: 'quay-rhel8',
    externalReference: 'registry.example.com/quay/quay-rhel8',
    tags: ['v3.7.0', 'v3.[12]*'],
    syncStartDate: '2024-01-01T00:00:00Z',
    username: 'pull-user',
    password: 's3cret-pull-pass',
    httpsProxy: 'http://proxy.example.com:3128',
  });

  before(async () => {
    quay = await FakeQuay.start();
    token = quay.addUser('quayadmin', 'password123');
  });
  after(() => quay.close());
  beforeEach(() => {
    quay.orgs.clear();
    quay.robots.clear();
    quay.repos.clear();
    quay.mirrors.clear();
    quay.clearRequests();
  });

  test('first run creates organization, robot, repository, MIRROR state and mirror config', async () => {
    const outcome = await runTask(quayMirror, params(), conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.writes().map((r) => `${r.method} ${r.path}`), [
      'POST /api/v1/organization/',
      'PUT /api/v1/organization/mirrors/robots/mirror',
      'POST /api/v1/repository',
      `PUT /api/v1/repository/${KEY}/changestate`,
      `POST /api/v1/repository/${KEY}/mirror`,
    ]);
    assert.ok(quay.writes().every((r) => r.authorization === `Bearer ${token}`));
    assert.equal(quay.repos.get(KEY)?.visibility, 'private');
    assert.equal(quay.repos.get(KEY)?.state, 'MIRROR');
    assert.ok(quay.robots.has('mirrors+mirror'));
    assert.deepEqual(quay.mirrors.get(KEY), {
      is_enabled: true,
      external_reference: 'registry.example.com/quay/quay-rhel8',
      external_registry_username: 'pull-user',
      external_registry_password: 's3cret-pull-pass',
      sync_interval: 86400,
      sync_start_date: '2024-01-01T00:00:00Z',
      robot_username: 'mirrors+mirror',
      rule_value: ['v3.7.0', 'v3.[12]*'],
      external_registry_config: { verify_tls: true, proxy: { http_proxy: null, https_proxy: 'http://proxy.example.com:3128', no_proxy: null } },
      sync_status: 'NEVER_RUN',
    });
  });

  test('second run sends no write request (only GETs)', async () => {
    await runTask(quayMirror, params(), conn);
    quay.clearRequests();
    const outcome = await runTask(quayMirror, params(), conn);
    assert.equal(outcome.status, 'ok', outcome.reasons.join('; '));
    assert.ok(quay.requests.length > 0);
    assert.deepEqual(quay.writes(), []);
    assert.ok(quay.requests.every((r) => r.method === 'GET'));
  });

  test('a drifted sync_interval is corrected by one PUT carrying only that field', async () => {
    await runTask(quayMirror, params(), conn);
    quay.mirrors.get(KEY)!.sync_interval = 3600;
    quay.clearRequests();
    const outcome = await runTask(quayMirror, params(), conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(outcome.reasons, ['sync_interval 3600 -> 86400']);
    assert.deepEqual(quay.writes().map((r) => ({ call: `${r.method} ${r.path}`, body: r.body })), [
      { call: `PUT /api/v1/repository/${KEY}/mirror`, body: { sync_interval: 86400 } },
    ]);
    assert.equal(quay.mirrors.get(KEY)!.sync_interval, 86400);
    assert.equal((await runTask(quayMirror, params(), conn)).status, 'ok');
  });

  test('other drift: tags, one proxy key and the repository state, each sent alone', async () => {
    await runTask(quayMirror, params(), conn);
    const m = quay.mirrors.get(KEY)!;
    m.rule_value = ['latest'];
    m.external_registry_config = { verify_tls: true, proxy: { http_proxy: null, https_proxy: 'http://old:1', no_proxy: null } };
    quay.repos.get(KEY)!.state = 'NORMAL';
    quay.clearRequests();
    const outcome = await runTask(quayMirror, params(), conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.writes().map((r) => ({ call: `${r.method} ${r.path}`, body: r.body })), [
      { call: `PUT /api/v1/repository/${KEY}/changestate`, body: { state: 'MIRROR' } },
      {
        call: `PUT /api/v1/repository/${KEY}/mirror`,
        body: {
          root_rule: { rule_kind: 'tag_glob_csv', rule_value: ['v3.7.0', 'v3.[12]*'] },
          external_registry_config: { proxy: { https_proxy: 'http://proxy.example.com:3128' } },
        },
      },
    ]);
    assert.equal((await runTask(quayMirror, params(), conn)).status, 'ok');
  });

  test('the password is not compared (Quay never returns it); updatePassword sends it with the username', async () => {
    await runTask(quayMirror, params(), conn);
    quay.mirrors.get(KEY)!.external_registry_password = 'rotated-elsewhere';
    quay.clearRequests();
    assert.equal((await runTask(quayMirror, params(), conn)).status, 'ok');

    const outcome = await runTask(quayMirror, { ...params(), password: 'new-pass', updatePassword: true }, conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.writes().map((r) => r.body), [{ external_registry_username: 'pull-user', external_registry_password: 'new-pass' }]);
    assert.equal(quay.mirrors.get(KEY)!.external_registry_password, 'new-pass');
    assert.ok(!outcome.reasons.join(' ').includes('new-pass'));
  });

  test('syncNow posts sync-now and always counts as changed', async () => {
    await runTask(quayMirror, params(), conn);
    quay.clearRequests();
    const outcome = await runTask(quayMirror, { ...params(), syncNow: true }, conn);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(outcome.reasons, ['syncNow requested']);
    assert.deepEqual(quay.writes().map((r) => `${r.method} ${r.path}`), [`POST /api/v1/repository/${KEY}/mirror/sync-now`]);
    assert.equal(quay.mirrors.get(KEY)!.sync_status, 'SYNC_NOW');
  });

  test('check mode on an empty registry says "would change" and sends no write', async () => {
    const outcome = await runTask(quayMirror, params(), conn, { check: true });
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(quay.writes(), []);
    assert.match(outcome.reasons.join('; '), /organization mirrors missing/);
  });

  test('a bad token fails with 401 and the URL, never the token', async () => {
    const bad = 'BAD-TOKEN-0000';
    await assert.rejects(runTask(quayMirror, { ...params(), token: bad }, conn), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /answered 401/);
      assert.ok(error.message.includes(`${quay.url}/api/v1/organization/mirrors`), error.message);
      assert.ok(!error.message.includes(bad));
      return true;
    });
    assert.deepEqual(quay.writes(), []);
  });

  test('a tag list without an explicit tag fails check with the reason, before any request', async () => {
    // The schema refuses this list first (next test); check() refuses it by itself too, so here the task gets it unvalidated.
    const unvalidated = { ...preparedParams(quayMirror, params()), tags: ['v3.*', 'v3.[12]'] };
    await assert.rejects(executeTask(quayMirror, unvalidated, conn, { checkMode: false, diffMode: false, pending: new Set() }), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /^tags: no explicit tag in \[v3\.\*, v3\.\[12\]\]/);
      return true;
    });
    assert.deepEqual(quay.requests, []);
  });

  test('the schema rejects the same tag list, and an empty one', () => {
    const validator = new ParamValidator();
    const def = quayMirror;
    assert.deepEqual(validator.validate(def, { ...params(), tags: ['v3.7.0', 'v3*'] }), []);
    assert.match(validator.validate(def, { ...params(), tags: ['v3*', 'v3.?'] }).join('\n'), /tags.*must contain at least 1 valid item/);
    assert.match(validator.validate(def, { ...params(), tags: [] }).join('\n'), /tags.*must NOT have fewer than 1 items/);
  });

  test('every schema field has a description and unknown fields are refused', () => {
    const schema = quayMirror.schema as { additionalProperties: boolean; properties: Record<string, { description?: string }> };
    assert.equal(schema.additionalProperties, false);
    for (const [name, prop] of Object.entries(schema.properties)) assert.ok(prop.description, `${name} has no description`);
    const validator = new ParamValidator();
    assert.match(validator.validate(quayMirror, { ...params(), tagz: [] }).join('\n'), /unknown field 'tagz'/);
    const def = quayMirror;
    assert.deepEqual(validator.validate(def, { ...params(), repository: 'quay/quay-rhel8' }), []);
    assert.notDeepEqual(validator.validate(def, { ...params(), repository: 'quay//rhel8' }), []);
    assert.notDeepEqual(validator.validate(def, { ...params(), syncStartDate: '2024-01-01 00:00' }), []);
  });

  test('the fake, like Quay, rejects an unknown rule_kind and a bad state', async () => {
    await runTask(quayMirror, params(), conn);
    const put = (path: string, body: unknown) =>
      fetch(`${quay.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const rule = await put(`/api/v1/repository/${KEY}/mirror`, { root_rule: { rule_kind: 'regex', rule_value: ['.*'] } });
    assert.equal(rule.status, 400);
    const state = await put(`/api/v1/repository/${KEY}/changestate`, { state: 'MIRRORING' });
    assert.equal(state.status, 400);
  });
});
