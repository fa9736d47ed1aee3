import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { signingOnce } from '../../../../engine/connections/ssh/client-key.ts';
import { openConnection } from '../../../../engine/connections/index.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

const KEYS = [
  { name: 'ed25519', args: ['-t', 'ed25519'], deterministic: true, algos: [undefined] },
  { name: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'], deterministic: false, algos: [undefined] },
  { name: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'], deterministic: false, algos: [undefined] },
  { name: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'], deterministic: false, algos: [undefined] },
  // ssh2 names the hash for rsa-sha2-512 and rsa-sha2-256, and none for ssh-rsa.
  { name: 'rsa', args: ['-t', 'rsa', '-b', '2048'], deterministic: true, algos: [undefined, 'sha256', 'sha512'] },
] as const;

function keygen(dir: string, name: string, args: readonly string[]): string {
  const file = join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', `client-key-test-${name}`, '-f', file]);
  assert.equal(r.status, 0, `ssh-keygen failed (install openssh-client): ${r.stderr?.toString()}`);
  return file;
}

function parsed(file: string): ParsedKey {
  const key = ssh2.utils.parseKey(readFileSync(file));
  assert.ok(!(key instanceof Error) && !Array.isArray(key), 'ssh2 parses the key');
  return key;
}

describe('client keys sign with a key parsed once', () => {
  let dir: string;
  let files: Map<string, string>;
  let ssh: SshTestHosts;
  before(async () => {
    dir = tempDir('tackle-client-key-');
    files = new Map(KEYS.map((k) => [k.name, keygen(dir, k.name, k.args)]));
    ssh = await startSshHosts(1);
    for (const file of files.values()) appendFileSync(join(ssh.dir, 'authorized_keys'), readFileSync(`${file}.pub`));
  });
  after(async () => {
    await ssh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const k of KEYS) {
    test(`${k.name}: what it signs verifies with the key, as ssh2's own signature does`, () => {
      const key = parsed(files.get(k.name)!);
      const once = signingOnce(key);
      assert.notEqual(once, key, 'the key is wrapped');
      assert.equal(ssh2.utils.parseKey(once as never), once, 'ssh2 takes the wrapper as a parsed key');
      assert.equal(once.type, key.type);
      assert.ok(once.getPublicSSH().equals(key.getPublicSSH()));
      const data = Buffer.from(`session id and userauth request ${k.name}`);
      for (const algo of k.algos) {
        const signature = once.sign(data, algo);
        assert.ok(Buffer.isBuffer(signature), `signing with ${algo ?? 'the default hash'} gave ${String(signature)}`);
        assert.ok(key.verify(data, signature, algo), `the signature with ${algo ?? 'the default hash'} verifies`);
        assert.ok(!key.verify(Buffer.from('other data'), signature, algo), 'and not for other data');
        if (k.deterministic) assert.ok(signature.equals(key.sign(data, algo)), `the same bytes as ssh2's signature with ${algo ?? 'the default hash'}`);
      }
    });

    test(`${k.name}: a real sshd accepts the login`, async () => {
      const h = ssh.hosts[0]!;
      const c = await openConnection({
        hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root',
        privateKeyFile: files.get(k.name)!, knownHostsFile: ssh.knownHostsFile,
      });
      try {
        const r = await c.exec(['echo', `logged in with ${k.name}`]);
        assert.equal(r.code, 0);
        assert.equal(r.stdout.toString().trim(), `logged in with ${k.name}`);
      } finally {
        await c.close();
      }
    });
  }

  test('a key decrypted with its passphrase signs as well', () => {
    const file = keygen(dir, 'locked', ['-t', 'ed25519']);
    const r = spawnSync('ssh-keygen', ['-q', '-p', '-N', 'secret-pass', '-P', '', '-f', file]);
    assert.equal(r.status, 0, r.stderr?.toString());
    const key = ssh2.utils.parseKey(readFileSync(file), 'secret-pass');
    assert.ok(!(key instanceof Error) && !Array.isArray(key));
    const once = signingOnce(key);
    const data = Buffer.from('x');
    assert.ok(key.verify(data, once.sign(data)));
  });
});
