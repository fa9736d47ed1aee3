import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeQuay, makeTestTls, type TestTls } from '../helpers/fake-quay.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

// The flagship's optional day-two tasks (first super user, a mirrored repository) against a
// Quay API stand-in over TLS, through the real CLI; only the quay_api tasks run.
const PLAYBOOK = new URL('../../playbooks/quay-with-clair.yml', import.meta.url).pathname;

describe('quay-with-clair.yml: first super user and a mirrored repository from variables', () => {
  let dir: string;
  let tls: TestTls;
  let quay: FakeQuay;
  let inventory: string;
  const password = 'Adm1n-passw0rd-long';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-quay-api-'));
    mkdirSync(join(dir, 'tls'));
    tls = makeTestTls(join(dir, 'tls'));
    quay = await FakeQuay.start({ tls: { key: tls.key, cert: tls.cert } });
    mkdirSync(join(dir, 'quay', 'secrets'), { recursive: true });
    inventory = join(dir, 'hosts.json');
    writeFileSync(
      inventory,
      JSON.stringify({
        all: {
          hosts: {
            quay1: {
              ansible_connection: 'local',
              quay_root: join(dir, 'quay'),
              quay_api_url: quay.url,
              quay_api_ca_file: tls.caFile,
              quay_first_user: { username: 'quayadmin', password, email: 'admin@example.com' },
              quay_mirror: {
                namespace: 'mirrors',
                repository: 'quay-rhel8',
                externalReference: 'registry.redhat.io/quay/quay-rhel8',
                tags: ['v3.7.0', 'v3.[12]*'],
                syncInterval: 3600,
              },
            },
          },
        },
      }),
    );
  });
  after(async () => {
    await quay?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('first run creates the user and the mirror; the second sends no write; the token is never printed', async () => {
    const first = await tackle(['run', PLAYBOOK, '-i', inventory, '--tags', 'quay_api', '--no-progress', '-v']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(parseRecap(first.stdout).get('quay1')!['changed'], 2);
    assert.ok(quay.users.has('quayadmin'));
    const mirror = quay.mirrors.get('mirrors/quay-rhel8');
    assert.ok(mirror, 'mirror config created');
    assert.equal(mirror.external_reference, 'registry.redhat.io/quay/quay-rhel8');
    assert.deepEqual(mirror.rule_value, ['v3.7.0', 'v3.[12]*']);
    assert.equal(mirror.sync_interval, 3600);
    assert.equal(quay.repos.get('mirrors/quay-rhel8')?.state, 'MIRROR');

    const token = readFileSync(join(dir, 'quay', 'secrets', 'quay_api_token'), 'utf8').trim();
    assert.ok(token.length >= 16);
    for (const text of [first.stdout, first.stderr]) {
      assert.ok(!text.includes(token), 'the API token was printed');
      assert.ok(!text.includes(password), 'the password was printed');
    }

    quay.clearRequests();
    const second = await tackle(['run', PLAYBOOK, '-i', inventory, '--tags', 'quay_api', '--no-progress']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(parseRecap(second.stdout).get('quay1')!['changed'], 0);
    assert.deepEqual(quay.writes(), [], 'a converged registry gets no write request');
  });
});
