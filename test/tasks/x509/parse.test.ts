import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { colonHex } from '../../../tasks/x509/keys.ts';
import { parseCertificateChain, parseCsr } from '../../../tasks/x509/parse.ts';
import { pemDerOf, pemEncode } from '../../../tasks/shared/pem.ts';
import { openssl, requireOpenssl } from '../../helpers/openssl.ts';
import { tempDir } from '../../helpers/task-harness.ts';

// What the checks read out of certificates and requests made by the real openssl, against
// what openssl itself prints of them.
let dir = '';
const file = (name: string) => join(dir, name);
const ok = (...args: string[]) => {
  const r = openssl(...args);
  assert.equal(r.code, 0, `openssl ${args.join(' ')}: ${r.out}`);
  return r.out;
};

before(() => {
  requireOpenssl();
  dir = tempDir('tackle-parse-');
  writeFileSync(
    file('ca.ext'),
    [
      'basicConstraints = critical, CA:TRUE, pathlen:1',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'subjectAltName = DNS:Ca.Example.com, IP:10.0.0.1, IP:2001:db8:0:0:0:0:0:1',
      'extendedKeyUsage = serverAuth, clientAuth',
      '1.2.3.4.5 = ASN1:UTF8String:an extension nobody reads',
    ].join('\n'),
  );
  ok('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '30', '-utf8', '-subj', '/C=IE/ST=Galway/O=Ünïcode Ltd/CN=parse CA', '-extensions', 'v3', '-config', writeConfig('v3', file('ca.ext')));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** An openssl config whose section `name` holds the extension lines of `extFile`. */
function writeConfig(name: string, extFile: string): string {
  const path = `${extFile}.cnf`;
  writeFileSync(path, `[req]\ndistinguished_name = dn\n[dn]\n[${name}]\n${readFileSync(extFile, 'utf8')}\n`);
  return path;
}

test('a CA certificate reads as openssl prints it: names, extensions, expiry, key id and fingerprint', () => {
  const [cert] = parseCertificateChain(readFileSync(file('ca.pem'), 'utf8'))!;
  assert.ok(cert);
  assert.deepEqual(cert.subject, { C: 'IE', ST: 'Galway', O: 'Ünïcode Ltd', CN: 'parse CA' });
  assert.deepEqual(cert.issuer, cert.subject);
  assert.ok(cert.subjectName.equals(cert.issuerName));
  assert.deepEqual(cert.sans, ['DNS:ca.example.com', 'IP:10.0.0.1', 'IP:2001:db8::1']);
  assert.equal(cert.ca, true);
  assert.equal(cert.pathLen, 1);
  assert.equal(cert.basicConstraintsCritical, true);
  assert.deepEqual(cert.keyUsage.sort(), ['cRLSign', 'keyCertSign']);
  assert.deepEqual(cert.extKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  const end = /notAfter=(.*)/.exec(ok('x509', '-in', file('ca.pem'), '-noout', '-enddate'))![1]!;
  assert.equal(cert.notAfter.getTime(), new Date(end).getTime());
  const ski = ok('x509', '-in', file('ca.pem'), '-noout', '-ext', 'subjectKeyIdentifier').split('\n')[1]!.trim();
  assert.equal(colonHex(cert.subjectKeyId!), ski);
  const fingerprint = /Fingerprint=(.*)/.exec(ok('x509', '-in', file('ca.pem'), '-noout', '-fingerprint', '-sha256'))![1]!.trim();
  assert.equal(cert.fingerprint, fingerprint);
  assert.equal(cert.keyType, 'rsa2048');
});

test('a leaf signed by the CA names the CA as issuer, and a chain file reads in order', () => {
  writeFileSync(file('leaf.ext'), 'subjectAltName = DNS:quay\n');
  ok('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', '/O=a+OU=b/CN=quay');
  ok('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('leaf.pem'), '-days', '5', '-extfile', file('leaf.ext'));
  const chain = parseCertificateChain(readFileSync(file('leaf.pem'), 'utf8') + readFileSync(file('ca.pem'), 'utf8'))!;
  assert.equal(chain.length, 2);
  const [leaf, ca] = chain as [NonNullable<typeof chain[0]>, NonNullable<typeof chain[0]>];
  assert.ok(leaf.issuerName.equals(ca.subjectName));
  assert.deepEqual(leaf.issuer, ca.subject);
  // A multi-valued RDN keeps both attributes.
  assert.deepEqual(leaf.subject, { O: 'a', OU: 'b', CN: 'quay' });
  assert.deepEqual(leaf.sans, ['DNS:quay']);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.keyType, 'ec-p256');
  assert.ok(leaf.x509.verify(ca.publicKey));
});

test('broken certificate texts read as null, not as a certificate', () => {
  const der = pemDerOf(readFileSync(file('ca.pem'), 'utf8'), 'CERTIFICATE')[0]!;
  assert.equal(parseCertificateChain(pemEncode('CERTIFICATE', der.subarray(0, der.length - 20))), null);
  assert.equal(parseCertificateChain(pemEncode('CERTIFICATE', Buffer.concat([der, Buffer.from([0, 0])]))), null);
  assert.equal(parseCertificateChain('no certificate here'), null);
});

for (const [label, keyArgs, digest] of [
  ['RSA, SHA-256', ['-newkey', 'rsa:2048'], '-sha256'],
  ['EC P-384, SHA-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], '-sha384'],
  ['Ed25519', ['-newkey', 'ed25519'], ''],
  ['RSA-PSS', ['-newkey', 'rsa:2048', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'], '-sha256'],
] as const) {
  test(`a CSR signed with ${label}: its signature checks out, and a changed byte breaks it`, async () => {
    const name = label.replace(/\W+/g, '-');
    ok('req', ...keyArgs, ...(digest ? [digest] : []), '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', '/C=IE/CN=quay-server.example.com', '-addext', 'subjectAltName=DNS:quay-server.example.com,IP:127.0.0.1', '-addext', 'extendedKeyUsage=serverAuth');
    const pem = readFileSync(file(`${name}.csr`), 'utf8');
    const csr = await parseCsr(pem);
    assert.ok(csr);
    assert.equal(csr.signatureValid, true);
    assert.deepEqual(csr.subject, { C: 'IE', CN: 'quay-server.example.com' });
    assert.deepEqual(csr.sans, ['DNS:quay-server.example.com', 'IP:127.0.0.1']);
    assert.deepEqual(csr.extKeyUsage, ['1.3.6.1.5.5.7.3.1']);
    const keyDer = createPublicKey(readFileSync(file(`${name}.key`))).export({ type: 'spki', format: 'der' });
    assert.ok(csr.publicKey.export({ type: 'spki', format: 'der' }).equals(keyDer));
    assert.match(ok('req', '-in', file(`${name}.csr`), '-noout', '-verify'), /verify OK/i);

    const der = pemDerOf(pem, 'CERTIFICATE REQUEST')[0]!;
    const cn = der.indexOf('quay-server.example.com');
    const tampered = Buffer.from(der);
    tampered[cn] = 'Q'.charCodeAt(0);
    const changed = await parseCsr(pemEncode('CERTIFICATE REQUEST', tampered));
    assert.equal(changed?.signatureValid, false, 'a request whose subject changed after signing');
    assert.doesNotMatch(openssl('req', '-inform', 'DER', '-in', writeDer(`${name}-tampered.der`, tampered), '-noout', '-verify').out, /verify OK/i, 'openssl rejects it too');
  });
}

function writeDer(name: string, der: Buffer): string {
  writeFileSync(file(name), der);
  return file(name);
}

test('a CSR without extensions has no SANs; a broken one reads as null', async () => {
  ok('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('plain.key'), '-out', file('plain.csr'), '-subj', '/CN=plain');
  const csr = await parseCsr(readFileSync(file('plain.csr'), 'utf8'));
  assert.deepEqual(csr?.sans, []);
  assert.equal(csr?.signatureValid, true);
  const der = pemDerOf(readFileSync(file('plain.csr'), 'utf8'), 'CERTIFICATE REQUEST')[0]!;
  assert.equal(await parseCsr(pemEncode('CERTIFICATE REQUEST', der.subarray(0, 40))), null);
  assert.equal(await parseCsr('nothing'), null);
});
