import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseKnownHosts, verifyHostKey, entryMatchesHost, fingerprint } from '../../../../engine/connections/ssh/known-hosts.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

async function realKey(dir: string, name: string, type: string): Promise<{ line: string; blob: Buffer; pubFile: string }> {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [t, b64] = (await fs.readFile(`${file}.pub`, 'utf8')).split(' ');
  return { line: `${t} ${b64}`, blob: Buffer.from(b64!, 'base64'), pubFile: `${file}.pub` };
}

test('fingerprints match ssh-keygen -l for every key type', async () => {
  const dir = tempDir('tackle-kh-');
  try {
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const k = await realKey(dir, type, type);
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', k.pubFile]).toString().split(' ')[1];
      assert.equal(fingerprint(k.blob), expected);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('patterns: wildcards, negation, [host]:port, hashed names from ssh-keygen -H', async () => {
  assert.equal(entryMatchesHost('*.example.org,!bad.example.org', 'web.example.org'), true);
  assert.equal(entryMatchesHost('*.example.org,!bad.example.org', 'bad.example.org'), false);
  assert.equal(entryMatchesHost('db?', 'db1'), true);
  assert.equal(entryMatchesHost('db?', 'db10'), false);
  assert.equal(entryMatchesHost('[10.0.0.1]:2222', '[10.0.0.1]:2222'), true);
  assert.equal(entryMatchesHost('10.0.0.1', '[10.0.0.1]:2222'), false);
  assert.equal(entryMatchesHost('WEB.example.org', 'web.example.org'), true);

  const dir = tempDir('tackle-kh-');
  try {
    const k = await realKey(dir, 'host', 'ed25519');
    const other = await realKey(dir, 'other', 'ed25519');
    const rsa = await realKey(dir, 'rsa', 'rsa');
    const file = join(dir, 'known_hosts');
    await fs.writeFile(file, `[h.example]:2200 ${k.line}\nplain.example ${k.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(await fs.readFile(file, 'utf8'));
    assert.equal(entries.length, 2);
    assert.ok(entries.every((e) => e.hosts.startsWith('|1|')));
    assert.deepEqual(verifyHostKey(entries, '[h.example]:2200', k.blob), { status: 'known' });
    assert.deepEqual(verifyHostKey(entries, 'plain.example', k.blob), { status: 'known' });
    assert.deepEqual(verifyHostKey(entries, 'plain.example', other.blob), { status: 'changed' });
    assert.deepEqual(verifyHostKey(entries, 'plain.example', rsa.blob), { status: 'otherType', knownTypes: ['ssh-ed25519'] });
    assert.deepEqual(verifyHostKey(entries, 'h.example', k.blob), { status: 'unknown' });

    const revoked = parseKnownHosts(`@revoked * ${other.line}\n* ${other.line}\n`);
    assert.deepEqual(verifyHostKey(revoked, 'any.example', other.blob), { status: 'revoked' });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
