import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSpec } from '../../../../engine/connection.ts';
import { HostKeyError } from '../../../../engine/errors.ts';
import { openConnection } from '../../../../engine/connections/index.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

/** `ssh-keygen -l` of a public key file: the fingerprint a user would compare. */
function fingerprintOf(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]).toString().split(' ')[1]!;
}

function newKey(dir: string, name: string, type = 'ed25519'): string {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  return file;
}

describe('host key verification against known_hosts', () => {
  let hosts: SshTestHosts;
  let dir: string;
  let hostPubKey: string; // "type base64" of host1's real key
  let hostFingerprint: string;

  const spec = (knownHostsFile: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec => {
    const h = hosts.hosts[0]!;
    return { hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile, ...extra };
  };
  const hostEntryName = () => `[127.0.0.1]:${hosts.hosts[0]!.port}`;

  before(async () => {
    hosts = await startSshHosts(1);
    dir = tempDir('tackle-hostkeys-');
    const pubFile = join(hosts.dir, 'host0_key.pub');
    hostPubKey = (await fs.readFile(pubFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    hostFingerprint = fingerprintOf(pubFile);
  });

  after(async () => {
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('a changed host key is refused, names host and fingerprint, and no command runs', async () => {
    const impostor = newKey(dir, 'impostor');
    const knownHosts = join(dir, 'changed_known_hosts');
    const [type, key] = (await fs.readFile(`${impostor}.pub`, 'utf8')).split(' ');
    await fs.writeFile(knownHosts, `${hostEntryName()} ${type} ${key}\n`);
    const marker = join(dir, 'changed-marker');
    await assert.rejects(
      openConnection(spec(knownHosts)).then((c) => c.exec(['touch', marker])),
      (e: unknown) => {
        assert.ok(e instanceof HostKeyError, String(e));
        assert.match(e.message, /host key for host1 \(127\.0\.0\.1:\d+\) CHANGED/);
        assert.match(e.message, /possible man-in-the-middle/);
        assert.ok(e.message.includes(`fingerprint ${hostFingerprint}`), e.message);
        assert.equal(e.host, 'host1');
        return true;
      },
    );
    assert.equal(existsSync(marker), false);
  });

  test('an unknown host is refused with its fingerprint, and no command runs', async () => {
    const knownHosts = join(dir, 'empty_known_hosts');
    await fs.writeFile(knownHosts, `[127.0.0.1]:1 ${hostPubKey}\n`);
    const marker = join(dir, 'unknown-marker');
    await assert.rejects(
      openConnection(spec(knownHosts)).then((c) => c.exec(['touch', marker])),
      (e: unknown) =>
        e instanceof HostKeyError &&
        /host key for host1 \(127\.0\.0\.1:\d+\) is not in known_hosts/.test(e.message) &&
        e.message.includes(`fingerprint ${hostFingerprint}`),
    );
    assert.equal(existsSync(marker), false);
    // A missing known_hosts file is the same: unknown.
    await assert.rejects(openConnection(spec(join(dir, 'no-such-file'))), HostKeyError);
  });

  test('a hashed known_hosts entry (ssh-keygen -H) is accepted', async () => {
    const knownHosts = join(dir, 'hashed_known_hosts');
    await fs.writeFile(knownHosts, `${hostEntryName()} ${hostPubKey}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', knownHosts], { stdio: 'ignore' });
    const text = await fs.readFile(knownHosts, 'utf8');
    assert.match(text, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    assert.ok(!text.includes('127.0.0.1'));
    const c = await openConnection(spec(knownHosts));
    assert.equal((await c.exec(['echo', 'ok'])).stdout, 'ok\n');
    await c.close();
  });

  test('comma lists and other hosts\' lines are understood', async () => {
    const other = newKey(dir, 'other-host');
    const [type, key] = (await fs.readFile(`${other}.pub`, 'utf8')).split(' ');
    const knownHosts = join(dir, 'list_known_hosts');
    await fs.writeFile(knownHosts, `# comment\n\nexample.org ${type} ${key}\nfoo,${hostEntryName()},bar ${hostPubKey}\n`);
    const c = await openConnection(spec(knownHosts));
    assert.equal((await c.exec(['true'])).code, 0);
    await c.close();
  });

  test('trust on first use records an unknown key, then it is known', async () => {
    const knownHosts = join(dir, 'sub', 'tofu_known_hosts');
    const c = await openConnection(spec(knownHosts, { trustOnFirstUse: true }));
    await c.close();
    const text = await fs.readFile(knownHosts, 'utf8');
    assert.equal(text, `${hostEntryName()} ${hostPubKey}\n`);
    assert.equal((await fs.stat(knownHosts)).mode & 0o777, 0o600);
    const again = await openConnection(spec(knownHosts));
    await again.close();
  });

  test('trust on first use never accepts a changed key', async () => {
    const impostor = newKey(dir, 'impostor2');
    const knownHosts = join(dir, 'tofu_changed_known_hosts');
    const [type, key] = (await fs.readFile(`${impostor}.pub`, 'utf8')).split(' ');
    const line = `${hostEntryName()} ${type} ${key}\n`;
    await fs.writeFile(knownHosts, line);
    await assert.rejects(openConnection(spec(knownHosts, { trustOnFirstUse: true })), (e: unknown) => e instanceof HostKeyError && /CHANGED/.test(e.message));
    assert.equal(await fs.readFile(knownHosts, 'utf8'), line);
  });

  test('hostKeyChecking false connects whatever known_hosts says', async () => {
    const c = await openConnection(spec(join(dir, 'no-such-file'), { hostKeyChecking: false }));
    assert.equal((await c.exec(['true'])).code, 0);
    await c.close();
  });

  for (const keyType of ['rsa', 'ecdsa'] as const) {
    test(`a ${keyType} host key is verified`, async () => {
      const other = await startSshHosts(1, { hostKeyType: keyType });
      try {
        const c = await other.connect();
        assert.equal((await c.exec(['true'])).code, 0);
        await c.close();
        // And the same host with an ed25519 entry only (another type) is refused, not accepted.
        const knownHosts = join(dir, `${keyType}_known_hosts`);
        await fs.writeFile(knownHosts, `[127.0.0.1]:${other.hosts[0]!.port} ${hostPubKey}\n`);
        const h = other.hosts[0]!;
        await assert.rejects(
          openConnection({ hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root', privateKeyFile: other.clientKeyFile, knownHostsFile: knownHosts }),
          (e: unknown) => e instanceof HostKeyError && /knows this host by another key type \(ssh-ed25519\)/.test(e.message),
        );
      } finally {
        await other.stop();
      }
    });
  }

  test('trust on first use never records a key of another type for a host already known (no silent downgrade)', async () => {
    // A real sshd with two host keys (ed25519 and rsa); known_hosts knows the host by its rsa key only.
    const two = await startSshHosts(1, { hostKeyType: 'ed25519', extraHostKeyTypes: ['rsa'] });
    try {
      const h = two.hosts[0]!;
      const name = `[127.0.0.1]:${h.port}`;
      const rsaLine = (await fs.readFile(join(two.dir, 'host0_key.rsa.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
      const twoSpec = (knownHostsFile: string): ConnectionSpec => ({
        hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root', privateKeyFile: two.clientKeyFile, knownHostsFile, trustOnFirstUse: true,
      });

      // Known by its rsa key: that key is asked for and accepted; nothing is added.
      const byRsa = join(dir, 'two_types_rsa_known_hosts');
      await fs.writeFile(byRsa, `${name} ${rsaLine}\n`);
      const c = await openConnection(twoSpec(byRsa));
      assert.equal((await c.exec(['true'])).code, 0);
      await c.close();
      assert.equal(await fs.readFile(byRsa, 'utf8'), `${name} ${rsaLine}\n`);

      // Known by an ecdsa key this server no longer offers: it presents ed25519 or rsa, a type known_hosts has no entry of.
      const ecdsa = newKey(dir, 'known-ecdsa', 'ecdsa');
      const ecdsaLine = (await fs.readFile(`${ecdsa}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
      const byEcdsa = join(dir, 'two_types_ecdsa_known_hosts');
      await fs.writeFile(byEcdsa, `${name} ${ecdsaLine}\n`);
      const marker = join(dir, 'downgrade-marker');
      await assert.rejects(
        openConnection(twoSpec(byEcdsa)).then(async (conn) => {
          try {
            await conn.exec(['touch', marker]);
          } finally {
            await conn.close();
          }
        }),
        (e: unknown) => {
          assert.ok(e instanceof HostKeyError, String(e));
          assert.match(e.message, /host key for host1 \(127\.0\.0\.1:\d+\) is of type ssh-(ed25519|rsa), but .* knows this host by another key type \(ecdsa-sha2-nistp256\); refused/);
          return true;
        },
      );
      assert.equal(existsSync(marker), false, 'a command ran');
      assert.equal(await fs.readFile(byEcdsa, 'utf8'), `${name} ${ecdsaLine}\n`, 'known_hosts was changed');
    } finally {
      await two.stop();
    }
  });
});

// A host known by an ed25519 key (or not at all) gets ssh2's prebuilt offer: that holds only
// while tackle's preference order is ssh2's default.
test("tackle's host-key preference order is ssh2's default offer", async () => {
  const { HOST_KEY_ALGORITHMS } = await import('../../../../engine/connections/ssh/connect.ts');
  const { createRequire } = await import('node:module');
  const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { DEFAULT_SERVER_HOST_KEY: string[] };
  assert.deepEqual([...HOST_KEY_ALGORITHMS], constants.DEFAULT_SERVER_HOST_KEY);
});
