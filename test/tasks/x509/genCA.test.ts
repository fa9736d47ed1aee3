import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import genCA, { type GenCaParams } from '../../../tasks/x509/genCA.ts';
import { TaskError } from '../../../engine/errors.ts';
import { ParamValidator } from '../../../engine/run/param-validator.ts';
import type { Connection } from '../../../engine/connection.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { openssl, requireOpenssl } from '../../helpers/openssl.ts';
import { localConnection, runTask, tempDir } from '../../helpers/task-harness.ts';

const SUBJECT = { C: 'IE', ST: 'GALWAY', L: 'GALWAY', O: 'QUAY', OU: 'DOCS', CN: 'quay-server.example.com' };

function snapshot(dir: string): Record<string, { bytes: string; mtimeMs: number; mode: number }> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => {
      const s = statSync(join(dir, f));
      return [f, { bytes: readFileSync(join(dir, f), 'base64'), mtimeMs: s.mtimeMs, mode: s.mode & 0o777 }];
    }),
  );
}

function cert(dir: string): X509Certificate {
  return new X509Certificate(readFileSync(join(dir, 'rootCA.pem')));
}

function ski(dir: string): string {
  return openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-ext', 'subjectKeyIdentifier').out.split('\n')[1]!.trim();
}

before(requireOpenssl);

describe('genCA schema', () => {
  const validator = new ParamValidator();
  test('accepts the document CA and fills defaults', () => {
    const params: Record<string, unknown> = { dir: '/etc/quay/ca', subject: SUBJECT, pathlen: 1 };
    assert.deepEqual(validator.validate(genCA, params), []);
    assert.equal(params['keyType'], 'rsa2048');
    assert.equal(params['days'], 1024);
    assert.equal(params['renewBefore'], 30);
  });
  test('rejects unknown fields, a missing CN and bad values', () => {
    assert.ok(validator.validate(genCA, { dir: '/x', subject: SUBJECT, size: 2048 }).some((p) => p.includes("unknown field 'size'")));
    assert.ok(validator.validate(genCA, { dir: '/x', subject: { O: 'QUAY' } }).some((p) => p.includes("'CN'")));
    assert.notDeepEqual(validator.validate(genCA, { dir: '/x', subject: SUBJECT, keyType: 'dsa' }), []);
    assert.notDeepEqual(validator.validate(genCA, { dir: '/x', subject: { ...SUBJECT, C: 'IRL' } }), []);
  });
  test('every field has a description', () => {
    const props = (genCA.schema['properties'] ?? {}) as Record<string, { description?: string }>;
    for (const [name, prop] of Object.entries(props)) assert.ok(prop.description, `${name} has no description`);
  });
});

for (const kind of CONNECTION_KINDS) {
  for (const backend of ['js', 'openssl'] as const) {
    describe(`genCA over ${kind}, backend ${backend}`, () => {
      let conn: Connection;
      let close: () => Promise<void>;
      before(async () => ({ conn, close } = await openTestConnection(kind)));
      after(async () => close?.());
      const params = (dir: string, more: Partial<GenCaParams> = {}): Partial<GenCaParams> => ({ dir, subject: SUBJECT, pathlen: 1, backend, ...more });

      test('creates the document CA once; a second run changes nothing', async () => {
        const dir = tempDir();
        const first = await runTask(genCA, params(dir), conn);
        assert.equal(first.status, 'changed', first.message);
        assert.deepEqual(first.reasons, [`missing: ${dir}/rootCA.key`, `missing: ${dir}/rootCA.pem`]);

        const text = openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-text').out;
        assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
        assert.match(text, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
        assert.match(text, /X509v3 Subject Key Identifier/);
        assert.match(text, /X509v3 Authority Key Identifier/);
        assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
        assert.match(text, /Public-Key: \(2048 bit\)/);
        assert.match(text, /Subject: C = IE, ST = GALWAY, L = GALWAY, O = QUAY, OU = DOCS, CN = quay-server.example.com/);
        assert.match(text, /Issuer: C = IE, ST = GALWAY, L = GALWAY, O = QUAY, OU = DOCS, CN = quay-server.example.com/);
        const serial = openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-serial').out.trim().replace('serial=', '');
        assert.equal(serial.length, 32, `16-byte serial: ${serial}`);
        assert.ok(parseInt(serial[0]!, 16) < 8, 'serial is positive');
        const days = (Date.parse(cert(dir).validTo) - Date.parse(cert(dir).validFrom)) / 86_400_000;
        assert.equal(days, 1024);
        assert.equal(openssl('verify', '-CAfile', join(dir, 'rootCA.pem'), join(dir, 'rootCA.pem')).code, 0, 'self-signed CA verifies');
        assert.equal(openssl('pkey', '-in', join(dir, 'rootCA.key'), '-check', '-noout').code, 0);
        assert.equal(statSync(join(dir, 'rootCA.key')).mode & 0o777, 0o600);
        assert.equal(statSync(join(dir, 'rootCA.pem')).mode & 0o777, 0o644);
        assert.ok(cert(dir).checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'rootCA.key')))));

        const before = snapshot(dir);
        const second = await runTask(genCA, params(dir), conn);
        assert.equal(second.status, 'ok', second.reasons.join('; '));
        assert.deepEqual(snapshot(dir), before, 'bytes and mtimes unchanged');
        assert.equal(second.data['fingerprint'], cert(dir).fingerprint256);
      });

      test('check mode on a fresh dir reports changed and writes nothing', async () => {
        const dir = join(tempDir(), 'ca');
        const out = await runTask(genCA, params(dir), conn, { check: true });
        assert.equal(out.status, 'changed');
        assert.ok(!existsSync(dir), 'check mode created the directory');
      });

      test('diff shows subject, notAfter, key type and fingerprint, never the key', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        const fingerprint = cert(dir).fingerprint256;
        const out = await runTask(genCA, params(dir, { subject: { ...SUBJECT, O: 'ACME' } }), conn, { diff: true, check: true });
        assert.equal(out.diff.length, 1);
        const [d] = out.diff;
        assert.equal(d!.path, join(dir, 'rootCA.pem'));
        assert.match(d!.before, /subject: C=IE, ST=GALWAY, L=GALWAY, O=QUAY, OU=DOCS, CN=quay-server.example.com/);
        assert.match(d!.before, new RegExp(`fingerprint SHA-256: ${fingerprint}`));
        assert.match(d!.before, /notAfter: \d{4}-/);
        assert.match(d!.before, /key type: rsa2048/);
        assert.match(d!.after, /O=ACME/);
        const key = readFileSync(join(dir, 'rootCA.key'), 'utf8');
        const body = key.split('\n')[1]!;
        for (const text of [d!.before, d!.after, JSON.stringify(out.data)]) {
          assert.ok(!text.includes('PRIVATE KEY') && !text.includes(body), 'key material in the diff');
        }
      });

      test('subject change re-signs with the same key (SKI survives)', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        const key = readFileSync(join(dir, 'rootCA.key'));
        const skiBefore = ski(dir);
        const fp = cert(dir).fingerprint256;
        const out = await runTask(genCA, params(dir, { subject: { ...SUBJECT, O: 'ACME' } }), conn);
        assert.equal(out.status, 'changed');
        assert.deepEqual(out.reasons, ['subject differs: O QUAY -> ACME']);
        assert.deepEqual(readFileSync(join(dir, 'rootCA.key')), key, 'key kept');
        assert.equal(ski(dir), skiBefore);
        assert.notEqual(cert(dir).fingerprint256, fp);
        assert.match(cert(dir).subject, /O=ACME/);
        assert.equal((await runTask(genCA, params(dir, { subject: { ...SUBJECT, O: 'ACME' } }), conn)).status, 'ok');
      });

      test('a CA expiring within renewBefore is renewed with its key', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir, { days: 3, renewBefore: 1 }), conn);
        const key = readFileSync(join(dir, 'rootCA.key'));
        assert.equal((await runTask(genCA, params(dir, { days: 3, renewBefore: 1 }), conn)).status, 'ok');
        const out = await runTask(genCA, params(dir), conn);
        assert.equal(out.status, 'changed');
        assert.deepEqual(out.reasons, ['expires in 3 days (renewBefore 30)']);
        assert.deepEqual(readFileSync(join(dir, 'rootCA.key')), key);
        const days = (Date.parse(cert(dir).validTo) - Date.now()) / 86_400_000;
        assert.ok(days > 1023 && days <= 1024, `renewed for 1024 days, got ${days}`);
      });

      test('deleted certificate: re-signed with the kept key', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        const skiBefore = ski(dir);
        rmSync(join(dir, 'rootCA.pem'));
        const out = await runTask(genCA, params(dir), conn);
        assert.deepEqual(out.reasons, [`missing: ${dir}/rootCA.pem`]);
        assert.equal(ski(dir), skiBefore);
      });

      test('key replaced by another key: reported, not adopted, nothing overwritten', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
        writeFileSync(join(dir, 'rootCA.key'), other, { mode: 0o600 });
        const before = snapshot(dir);
        await assert.rejects(
          runTask(genCA, params(dir), conn),
          (e: unknown) => e instanceof TaskError && e.message.includes(`${dir}/rootCA.key does not match the CA certificate ${dir}/rootCA.pem; not adopted`),
        );
        assert.deepEqual(snapshot(dir), before);
      });

      test('pathlen and key mode drift are corrected', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        chmodSync(join(dir, 'rootCA.key'), 0o644);
        const key = readFileSync(join(dir, 'rootCA.key'));
        const out = await runTask(genCA, params(dir, { pathlen: 0 }), conn);
        assert.deepEqual(out.reasons, ['pathlen differs: 1 -> 0', 'rootCA.key mode 0644 -> 0600']);
        assert.equal(statSync(join(dir, 'rootCA.key')).mode & 0o777, 0o600);
        assert.deepEqual(readFileSync(join(dir, 'rootCA.key')), key);
        assert.match(openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-text').out, /CA:TRUE, pathlen:0/);
        assert.equal((await runTask(genCA, params(dir, { pathlen: 0 }), conn)).status, 'ok');
      });

      test('owner and group are set from the first write and drift is corrected', async () => {
        const dir = tempDir();
        const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
        const gid = Number(spawnSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).stdout.split(':')[2]);
        assert.ok(uid > 0 && gid > 0, 'user nobody and group nogroup exist (Debian base-passwd)');
        const owned = params(dir, { owner: 'nobody', group: 'nogroup' });
        assert.equal((await runTask(genCA, owned, conn)).status, 'changed');
        for (const f of ['rootCA.key', 'rootCA.pem']) {
          assert.equal(statSync(join(dir, f)).uid, uid, f);
          assert.equal(statSync(join(dir, f)).gid, gid, f);
        }
        assert.equal((await runTask(genCA, owned, conn)).status, 'ok');
        chownSync(join(dir, 'rootCA.key'), 0, gid);
        const key = readFileSync(join(dir, 'rootCA.key'));
        const out = await runTask(genCA, owned, conn);
        assert.deepEqual(out.reasons, [`rootCA.key owner 0 -> ${uid}`]);
        assert.equal(statSync(join(dir, 'rootCA.key')).uid, uid);
        assert.equal(statSync(join(dir, 'rootCA.key')).mode & 0o777, 0o600);
        assert.deepEqual(readFileSync(join(dir, 'rootCA.key')), key);
      });

      test('ec-p256: new key when the key type changes', async () => {
        const dir = tempDir();
        await runTask(genCA, params(dir), conn);
        const out = await runTask(genCA, params(dir, { keyType: 'ec-p256' }), conn);
        assert.deepEqual(out.reasons, ['key type differs: rsa2048 -> ec-p256']);
        const text = openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-text').out;
        assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
        assert.match(text, /NIST CURVE: P-256/);
        assert.equal(statSync(join(dir, 'rootCA.key')).mode & 0o777, 0o600);
        assert.equal(openssl('verify', '-CAfile', join(dir, 'rootCA.pem'), join(dir, 'rootCA.pem')).code, 0);
        assert.equal((await runTask(genCA, params(dir, { keyType: 'ec-p256' }), conn)).status, 'ok');
      });
    });
  }
}

describe('genCA backend choice', () => {
  test('a target in FIPS mode gets the openssl backend when none is asked for', async () => {
    const local = localConnection();
    // The same local host, except that its kernel reports FIPS mode.
    const fips: Connection = Object.create(local, {
      readFile: {
        value: (path: string) => (path === '/proc/sys/crypto/fips_enabled' ? Promise.resolve(Buffer.from('1\n')) : local.readFile(path)),
      },
    });
    const dir = tempDir();
    const out = await runTask(genCA, { dir, subject: { CN: 'FIPS CA' }, keyType: 'ec-p256' }, fips);
    assert.match(out.message ?? '', /new CA \(openssl\)/);
    const plain = await runTask(genCA, { dir: tempDir(), subject: { CN: 'CA' }, keyType: 'ec-p256' }, local);
    const fipsFile = '/proc/sys/crypto/fips_enabled';
    const fipsOn = existsSync(fipsFile) && readFileSync(fipsFile, 'utf8').trim() === '1';
    assert.match(plain.message ?? '', fipsOn ? /\(openssl\)/ : /\(js\)/);
  });
});

describe('genCA never overwrites a key it cannot read', () => {
  test('an encrypted CA key is a task error and stays as it is', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'rootCA.key');
    const made = openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256', '-pass', 'pass:secret', '-out', keyFile);
    assert.equal(made.code, 0, made.out);
    const before = readFileSync(keyFile);
    await assert.rejects(
      runTask(genCA, { dir, subject: SUBJECT }, localConnection()),
      (e: unknown) => e instanceof TaskError && e.message.includes(`${keyFile} is an encrypted key`),
    );
    assert.deepEqual(readFileSync(keyFile), before);
    assert.ok(!existsSync(join(dir, 'rootCA.pem')));
  });
});

describe('genCA rsa4096 (local, js)', () => {
  test('a 4096-bit CA', async () => {
    const dir = tempDir();
    const out = await runTask(genCA, { dir, subject: { CN: 'Big CA' }, keyType: 'rsa4096' }, localConnection());
    assert.equal(out.status, 'changed');
    const text = openssl('x509', '-in', join(dir, 'rootCA.pem'), '-noout', '-text').out;
    assert.match(text, /Public-Key: \(4096 bit\)/);
    assert.match(text, /CA:TRUE$/m);
    assert.equal((await runTask(genCA, { dir, subject: { CN: 'Big CA' }, keyType: 'rsa4096' }, localConnection())).status, 'ok');
  });
});
