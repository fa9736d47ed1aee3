import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { appendKnownHost, entryMatchesHost, fingerprint, keysForHost, parseKnownHosts, readKnownHosts, verifyHostKey } from '../../../../engine/connections/ssh/known-hosts.ts';
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

test('the host index finds, in file order, what a scan of every line finds', async () => {
  const dir = tempDir('tackle-kh-index-');
  try {
    const ed = await realKey(dir, 'ed', 'ed25519');
    const ec = await realKey(dir, 'ec', 'ecdsa');
    const hashedFile = join(dir, 'hashed');
    await fs.writeFile(hashedFile, `[10.0.0.7]:2222 ${ec.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashedFile]);
    const hashed = (await fs.readFile(hashedFile, 'utf8')).trim();
    const text = [
      `web1.example.org ${ed.line}`,
      `WEB2.example.org,web3.example.org ${ec.line}`,
      `*.example.org,!web3.example.org ${ed.line}`,
      `@revoked web1.example.org ${ec.line}`,
      hashed,
      `[10.0.0.7]:2222,10.0.0.7 ${ed.line}`,
      `web1.example.org ${ec.line}`,
      `db?.internal ${ec.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    for (const name of ['web1.example.org', 'web2.example.org', 'Web3.Example.Org', 'mail.example.org', '[10.0.0.7]:2222', '10.0.0.7', 'db1.internal', 'db10.internal', 'absent']) {
      const scanned = entries.filter((e) => e.marker === undefined && entryMatchesHost(e.hosts, name));
      assert.deepEqual(keysForHost(entries, name), scanned, name);
    }
    assert.deepEqual(keysForHost(entries, 'web1.example.org').map((e) => e.hosts), ['web1.example.org', '*.example.org,!web3.example.org', 'web1.example.org']);
    assert.deepEqual(keysForHost(entries, '[10.0.0.7]:2222').map((e) => e.keyType), ['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    assert.deepEqual(keysForHost(entries, 'web3.example.org').map((e) => e.hosts), ['WEB2.example.org,web3.example.org']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('hosts connecting together share one read of known_hosts; a file changed since is read again', async () => {
  const dir = tempDir('tackle-kh-shared-');
  try {
    const file = join(dir, 'known_hosts');
    const ed = await realKey(dir, 'ed', 'ed25519');
    await fs.writeFile(file, `[127.0.0.1]:2201 ${ed.line}`);
    // Sixty hosts connecting at once used to open and parse the file sixty times.
    const reads = await Promise.all(Array.from({ length: 60 }, () => readKnownHosts(file)));
    assert.ok(reads.every((r) => r === reads[0]), 'every connection got the same parsed file');
    assert.equal(reads[0]!.length, 1);

    await fs.appendFile(file, `\n[127.0.0.1]:2202 ${ed.line}\n`);
    assert.deepEqual((await readKnownHosts(file)).map((e) => e.hosts), ['[127.0.0.1]:2201', '[127.0.0.1]:2202']);

    // Trust on first use by many hosts at once: each gets one whole line, and later reads see them.
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendKnownHost(file, `[127.0.0.1]:${2300 + i}`, ed.blob)));
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 22);
    for (const line of lines) assert.match(line, new RegExp(`^\\[127\\.0\\.0\\.1\\]:\\d+ ${ed.line.replace(/[+/]/g, '\\$&')}$`));
    const after = await readKnownHosts(file);
    assert.equal(after.length, 22);
    assert.equal(verifyHostKey(after, '[127.0.0.1]:2319', ed.blob).status, 'known');

    await fs.rm(file);
    assert.deepEqual(await readKnownHosts(file), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
