import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import genCA, { type GenCaParams } from '../../../tasks/x509/genCA.ts';
import signCert, { type SignCertParams } from '../../../tasks/x509/signCert.ts';
import { TaskError } from '../../../engine/errors.ts';
import { ParamValidator } from '../../../engine/run/param-validator.ts';
import type { Connection } from '../../../engine/connection.ts';
import { buildCertificate, encodeName, serverExtensions } from '../../../tasks/x509/build.ts';
import { pemDerOf } from '../../../tasks/shared/pem.ts';
import { parseCertificate } from '../../../tasks/x509/parse.ts';
import { normalizeSan } from '../../../tasks/x509/sans.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';
import { openssl, requireOpenssl } from '../../helpers/openssl.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';

const SUBJECT = { C: 'IE', ST: 'GALWAY', L: 'GALWAY', O: 'QUAY', OU: 'DOCS', CN: 'quay-server.example.com' };
const SANS = ['DNS:quay-server.example.com', 'IP:192.168.1.112'];

function snapshot(dir: string): Record<string, { bytes: string; mtimeMs: number }> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => [f, { bytes: readFileSync(join(dir, f), 'base64'), mtimeMs: statSync(join(dir, f)).mtimeMs }]),
  );
}

const leaf = (dir: string) => new X509Certificate(readFileSync(join(dir, 'ssl.cert')));

/** A TLS server with the written key and certificate; the client is openssl s_client, as a user would check. */
async function handshake(dir: string, caFile: string, hostname: string): Promise<{ code: number; out: string }> {
  const server: Server = createServer({ key: readFileSync(join(dir, 'ssl.key')), cert: readFileSync(join(dir, 'ssl.cert')) }, (s) => s.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    // Asynchronous spawn: the server answers on this process's event loop.
    return await new Promise((resolve, reject) => {
      const child = spawn(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', '-verify_hostname', hostname],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

before(requireOpenssl);

describe('signCert schema', () => {
  const validator = new ParamValidator();
  const valid = (p: Record<string, unknown>) => validator.validate(signCert, p);
  test('accepts the document certificate and fills defaults', () => {
    const params: Record<string, unknown> = { caDir: '/ca', dir: '/ssl', subject: SUBJECT, sans: [...SANS, { dns: 'quay' }, { ip: '::1' }] };
    assert.deepEqual(valid(params), []);
    assert.equal(params['days'], 356);
    assert.equal(params['includeChain'], false);
  });
  test('rejects malformed SANs, a missing CA and unknown fields', () => {
    assert.notDeepEqual(valid({ caDir: '/ca', dir: '/ssl', sans: ['quay-server.example.com'] }), []);
    assert.notDeepEqual(valid({ caDir: '/ca', dir: '/ssl', sans: ['DNS:bad name'] }), []);
    assert.notDeepEqual(valid({ caDir: '/ca', dir: '/ssl', sans: ['IP:not-an-ip'] }), []);
    assert.notDeepEqual(valid({ caDir: '/ca', dir: '/ssl', sans: [{ host: 'x' }] }), []);
    assert.notDeepEqual(valid({ dir: '/ssl', sans: SANS }), []);
    assert.notDeepEqual(valid({ caKeyFile: '/ca/k', dir: '/ssl', sans: SANS }), []);
    assert.ok(valid({ caDir: '/ca', dir: '/ssl', sans: SANS, chain: true }).some((p) => p.includes("unknown field 'chain'")));
  });
  test('every field has a description', () => {
    const props = (signCert.schema['properties'] ?? {}) as Record<string, { description?: string }>;
    for (const [name, prop] of Object.entries(props)) assert.ok(prop.description, `${name} has no description`);
  });
});

for (const kind of CONNECTION_KINDS) {
  for (const backend of ['js', 'openssl'] as const) {
    describe(`signCert over ${kind}, backend ${backend}`, () => {
      let conn: Connection;
      let close: () => Promise<void>;
      let caDir: string;
      let caFile: string;
      before(async () => {
        ({ conn, close } = await openTestConnection(kind));
        caDir = tempDir('tackle-ca-');
        caFile = join(caDir, 'rootCA.pem');
        const out = await runTask(genCA, caParams(caDir), conn);
        assert.equal(out.status, 'changed', out.message);
      });
      after(async () => close?.());
      const caParams = (dir: string): Partial<GenCaParams> => ({ dir, subject: SUBJECT, pathlen: 1, backend });
      const params = (dir: string, more: Partial<SignCertParams> = {}): Partial<SignCertParams> => ({
        caDir,
        dir,
        subject: SUBJECT,
        sans: SANS,
        backend,
        ...more,
      });

      test('issues the document certificate once; openssl verifies it; re-runs change nothing', async () => {
        const dir = tempDir();
        const caFingerprint = new X509Certificate(readFileSync(caFile)).fingerprint256;
        const first = await runTask(signCert, params(dir), conn);
        assert.equal(first.status, 'changed', first.message);
        assert.deepEqual(first.reasons, [`missing: ${dir}/ssl.key`, `missing: ${dir}/ssl.cert`]);
        const cert = join(dir, 'ssl.cert');

        assert.match(openssl('verify', '-CAfile', caFile, cert).out, /ssl.cert: OK/);
        assert.equal(openssl('x509', '-in', cert, '-noout', '-checkhost', 'quay-server.example.com').code, 0);
        assert.match(openssl('x509', '-in', cert, '-noout', '-checkhost', 'quay-server.example.com').out, /does match/);
        assert.match(openssl('x509', '-in', cert, '-noout', '-checkip', '192.168.1.112').out, /IP 192.168.1.112 does match/);
        assert.match(openssl('x509', '-in', cert, '-noout', '-checkhost', 'other.example.com').out, /does NOT match/);
        const text = openssl('x509', '-in', cert, '-noout', '-text').out;
        assert.match(text, /X509v3 Basic Constraints: \s+CA:FALSE/);
        assert.match(text, /X509v3 Key Usage: \s+Digital Signature, Non Repudiation, Key Encipherment/);
        assert.match(text, /X509v3 Extended Key Usage: \s+TLS Web Server Authentication/);
        assert.match(text, /X509v3 Subject Alternative Name: \s+DNS:quay-server.example.com, IP Address:192.168.1.112/);
        assert.match(text, /X509v3 Subject Key Identifier/);
        assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
        const caSki = openssl('x509', '-in', caFile, '-noout', '-ext', 'subjectKeyIdentifier').out.split('\n')[1]!.trim();
        assert.match(text, new RegExp(`X509v3 Authority Key Identifier: \\s+(keyid:)?${caSki}`));
        assert.equal(leaf(dir).issuer, new X509Certificate(readFileSync(caFile)).subject);
        assert.equal((Date.parse(leaf(dir).validTo) - Date.parse(leaf(dir).validFrom)) / 86_400_000, 356);

        const csr = openssl('req', '-verify', '-in', join(dir, 'ssl.csr'), '-noout', '-text');
        assert.equal(csr.code, 0, csr.out);
        assert.match(csr.out, /verify OK/);
        assert.match(csr.out, /Requested Extensions:[\s\S]*DNS:quay-server.example.com, IP Address:192.168.1.112/);
        assert.equal(statSync(join(dir, 'ssl.key')).mode & 0o777, 0o600);
        assert.equal(statSync(join(dir, 'ssl.cert')).mode & 0o777, 0o644);
        assert.ok(leaf(dir).checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'ssl.key')))));
        assert.equal(pemDerOf(readFileSync(cert, 'utf8'), 'CERTIFICATE').length, 1, 'leaf only by default');

        const before = snapshot(dir);
        const second = await runTask(signCert, params(dir), conn);
        assert.equal(second.status, 'ok', second.reasons.join('; '));
        assert.deepEqual(snapshot(dir), before, 'bytes and mtimes unchanged');
        // Re-running the CA task does not rotate the CA under the certificate.
        assert.equal((await runTask(genCA, caParams(caDir), conn)).status, 'ok');
        assert.equal(new X509Certificate(readFileSync(caFile)).fingerprint256, caFingerprint);
      });

      test('TLS: a client trusting the CA verifies the server; one trusting another CA fails', async () => {
        const dir = tempDir();
        await runTask(signCert, params(dir), conn);
        const ok = await handshake(dir, caFile, 'quay-server.example.com');
        assert.equal(ok.code, 0, ok.out);
        assert.match(ok.out, /Verify return code: 0 \(ok\)/);
        const wrongHost = await handshake(dir, caFile, 'evil.example.com');
        assert.notEqual(wrongHost.code, 0, 'a wrong hostname verified');
        const otherCa = tempDir('tackle-other-ca-');
        await runTask(genCA, { ...caParams(otherCa), subject: { CN: 'Other CA' } }, conn);
        const bad = await handshake(dir, join(otherCa, 'rootCA.pem'), 'quay-server.example.com');
        assert.notEqual(bad.code, 0, 'a client trusting another CA verified the server');
        assert.match(bad.out, /unable to get local issuer certificate/);
      });

      test('check mode on a fresh dir reports changed and writes nothing; diff describes the certificate', async () => {
        const dir = join(tempDir(), 'ssl');
        const out = await runTask(signCert, params(dir), conn, { check: true, diff: true });
        assert.equal(out.status, 'changed');
        assert.ok(!existsSync(dir), 'check mode created the directory');
        assert.equal(out.diff.length, 1);
        assert.equal(out.diff[0]!.before, '(absent)\n');
        assert.match(out.diff[0]!.after, /SANs: DNS:quay-server.example.com, IP:192.168.1.112/);
        assert.match(out.diff[0]!.after, /issuer: C=IE, ST=GALWAY, L=GALWAY, O=QUAY, OU=DOCS, CN=quay-server.example.com/);
        assert.match(out.diff[0]!.after, /key type: rsa2048/);
      });

      test('SANs are compared as sets: reordered and re-spelt SANs are no change; new SANs re-issue with the same key', async () => {
        const dir = tempDir();
        await runTask(signCert, params(dir, { sans: [...SANS, 'DNS:old.example.com', 'IP:::1'] }), conn);
        const same = await runTask(signCert, params(dir, { sans: [{ ip: '0:0:0:0:0:0:0:1' }, 'DNS:OLD.example.com', ...[...SANS].reverse()] }), conn);
        assert.equal(same.status, 'ok', same.reasons.join('; '));
        const key = readFileSync(join(dir, 'ssl.key'));
        const out = await runTask(signCert, params(dir, { sans: [...SANS, 'IP:10.0.0.5', 'IP:::1'] }), conn, { diff: true });
        assert.deepEqual(out.reasons, ['SANs differ: +IP:10.0.0.5 -DNS:old.example.com']);
        assert.match(out.diff[0]!.before, /SANs: DNS:quay-server.example.com, IP:192.168.1.112, DNS:old.example.com, IP:::1/);
        assert.deepEqual(readFileSync(join(dir, 'ssl.key')), key, 'server key kept');
        assert.equal(openssl('x509', '-in', join(dir, 'ssl.cert'), '-noout', '-checkip', '10.0.0.5').code, 0);
        assert.match(openssl('x509', '-in', join(dir, 'ssl.cert'), '-noout', '-checkhost', 'old.example.com').out, /does NOT match/);
        assert.match(openssl('req', '-in', join(dir, 'ssl.csr'), '-noout', '-text').out, /IP Address:10.0.0.5/);
        assert.match(openssl('verify', '-CAfile', caFile, join(dir, 'ssl.cert')).out, /OK/);
      });

      test('expiring, expired, deleted, re-keyed and foreign certificates are replaced', async () => {
        const dir = tempDir();
        const cert = join(dir, 'ssl.cert');
        await runTask(signCert, params(dir, { days: 3, renewBefore: 1 }), conn);
        assert.deepEqual((await runTask(signCert, params(dir), conn)).reasons, ['expires in 3 days (renewBefore 30)']);

        // Expired: a certificate for the same key and SANs, signed by the CA, valid until yesterday.
        const serverKey = createPrivateKey(readFileSync(join(dir, 'ssl.key')));
        const ca = new X509Certificate(readFileSync(caFile));
        const parsedCa = parseCertificate(ca.raw);
        const expired = await buildCertificate({
          serial: Buffer.from('4142434445464748494a4b4c4d4e4f50', 'hex'),
          issuerName: parsedCa.subjectName,
          subjectName: encodeName(SUBJECT),
          notBefore: new Date(Date.now() - 10 * 86_400_000),
          notAfter: new Date(Date.now() - 86_400_000),
          subjectKey: serverKey,
          signerKey: createPrivateKey(readFileSync(join(caDir, 'rootCA.key'))),
          extensions: serverExtensions(SANS.map(normalizeSan), serverKey, parsedCa.subjectKeyId!),
        });
        writeFileSync(cert, expired);
        assert.match(openssl('verify', '-CAfile', caFile, cert).out, /certificate has expired/);
        const renewed = await runTask(signCert, params(dir), conn);
        assert.equal(renewed.reasons.length, 1);
        assert.match(renewed.reasons[0]!, /^expired on \d{4}-/);
        assert.match(openssl('verify', '-CAfile', caFile, cert).out, /OK/);

        rmSync(cert);
        assert.deepEqual((await runTask(signCert, params(dir), conn)).reasons, [`missing: ${cert}`]);

        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
        writeFileSync(join(dir, 'ssl.key'), other, { mode: 0o600 });
        assert.deepEqual((await runTask(signCert, params(dir), conn)).reasons, ['key does not match certificate']);
        assert.ok(leaf(dir).publicKey.equals(createPublicKey(other)), 'certificate issued for the new key');
        assert.match(openssl('req', '-verify', '-in', join(dir, 'ssl.csr'), '-noout').out, /verify OK/);

        const otherCa = tempDir('tackle-other-ca-');
        await runTask(genCA, { ...caParams(otherCa), subject: { CN: 'Other CA' } }, conn);
        const foreign = await runTask(signCert, { ...params(dir), caDir: otherCa }, conn);
        assert.equal(foreign.status, 'changed');
        assert.deepEqual(foreign.reasons, [`not signed by the CA at ${otherCa}/rootCA.pem`]);
        assert.match(openssl('verify', '-CAfile', join(otherCa, 'rootCA.pem'), cert).out, /OK/);
        assert.equal((await runTask(signCert, { ...params(dir), caDir: otherCa }, conn)).status, 'ok');
      });

      test('includeChain: leaf followed by the CA, and only the file changes when it is toggled', async () => {
        const dir = tempDir();
        await runTask(signCert, params(dir), conn);
        const leafDer = pemDerOf(readFileSync(join(dir, 'ssl.cert'), 'utf8'), 'CERTIFICATE')[0]!;
        const out = await runTask(signCert, params(dir, { includeChain: true }), conn);
        assert.deepEqual(out.reasons, ['chain differs: want leaf + CA certificate']);
        const chain = pemDerOf(readFileSync(join(dir, 'ssl.cert'), 'utf8'), 'CERTIFICATE');
        assert.equal(chain.length, 2);
        assert.deepEqual(chain[0], leafDer, 'the leaf was kept');
        assert.deepEqual(chain[1], pemDerOf(readFileSync(caFile, 'utf8'), 'CERTIFICATE')[0]);
        assert.equal((await runTask(signCert, params(dir, { includeChain: true }), conn)).status, 'ok');
        const served = await handshake(dir, caFile, 'quay-server.example.com');
        assert.equal(served.code, 0, served.out);
      });

      test('check mode: a CA an earlier task would create is "would change", not a failure; a run without it fails', async () => {
        const missingCa = join(tempDir(), 'ca');
        const dir = join(tempDir(), 'ssl');
        const p = params(dir, { caDir: missingCa });
        const pending = new Set<string>();
        const ca = await runTask(genCA, caParams(missingCa), conn, { check: true, pending });
        assert.equal(ca.status, 'changed');
        assert.ok(pending.has(join(missingCa, 'rootCA.pem')) && pending.has(join(missingCa, 'rootCA.key')));
        const out = await runTask(signCert, p, conn, { check: true, pending });
        assert.equal(out.status, 'changed');
        assert.deepEqual(out.reasons, [`would change: CA at ${missingCa}/rootCA.pem would be created/replaced by an earlier task`]);
        assert.ok(!existsSync(dir) && !existsSync(missingCa), 'check mode wrote files');
        await assert.rejects(runTask(signCert, p, conn), (e: unknown) => e instanceof TaskError && e.message.includes(`${missingCa}/rootCA.pem`));
      });

      test('ec-p256 server key under the RSA CA', async () => {
        const dir = tempDir();
        const out = await runTask(signCert, params(dir, { keyType: 'ec-p256' }), conn);
        assert.equal(out.status, 'changed');
        assert.match(openssl('x509', '-in', join(dir, 'ssl.cert'), '-noout', '-text').out, /NIST CURVE: P-256/);
        assert.match(openssl('verify', '-CAfile', caFile, join(dir, 'ssl.cert')).out, /OK/);
        assert.equal((await handshake(dir, caFile, 'quay-server.example.com')).code, 0);
        assert.equal((await runTask(signCert, params(dir, { keyType: 'ec-p256' }), conn)).status, 'ok');
        const back = await runTask(signCert, params(dir), conn);
        assert.deepEqual(back.reasons, ['key type differs: ec-p256 -> rsa2048']);
      });
    });
  }
}
