import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificateChain } from '../../../tasks/x509/parse.ts';
import { decodeKeyUsageFlags } from '../../../tasks/x509/extension-values.ts';
import { extensionsOf, derBlock, elements, isContextTag } from '../../../tasks/x509/der.ts';
import { pemDerOf } from '../../../tasks/shared/pem.ts';
import { openssl, requireOpenssl } from '../../helpers/openssl.ts';
import { tempDir } from '../../helpers/task-harness.ts';

// Extension values as the checks decode them, against certificates the real openssl made with
// each extension written out, and against what openssl prints of them.
let dir = '';
const file = (name: string) => join(dir, name);

before(() => {
  requireOpenssl();
  dir = tempDir('tackle-ext-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function certWith(name: string, extensions: string[]): string {
  writeFileSync(file(`${name}.cnf`), `[req]\ndistinguished_name = dn\n[dn]\n[v3]\n${extensions.join('\n')}\n`);
  const r = openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`, '-extensions', 'v3', '-config', file(`${name}.cnf`));
  assert.equal(r.code, 0, r.out);
  return readFileSync(file(`${name}.pem`), 'utf8');
}

/** The keyUsage extension's value of a certificate. */
function keyUsageValue(pem: string): Buffer {
  const der = pemDerOf(pem, 'CERTIFICATE')[0]!;
  const fields = elements(elements(derBlock(der), 'certificate')[0], 'tbs');
  const tagged = fields.find((f) => isContextTag(f, 3));
  return extensionsOf(elements(tagged, 'extensions')[0]).get('2.5.29.15')!.value;
}

test('every keyUsage bit, the last two in a second byte, lands on its RFC 5280 number', () => {
  const names = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
  for (const [bit, name] of names.entries()) {
    const pem = certWith(`ku-${name}`, [`keyUsage = ${name === 'encipherOnly' || name === 'decipherOnly' ? `keyAgreement, ${name}` : name}`]);
    const expected = (1 << bit) | (name.endsWith('ipherOnly') ? 1 << 4 : 0);
    assert.equal(decodeKeyUsageFlags(keyUsageValue(pem)), expected, name);
  }
  const all = certWith('ku-all', [`keyUsage = ${names.join(', ')}`]);
  assert.equal(decodeKeyUsageFlags(keyUsageValue(all)), 0x1ff);
  const [cert] = parseCertificateChain(all)!;
  assert.deepEqual(cert!.keyUsage, names.slice(0, 7));
});

test('basicConstraints: CA:FALSE, pathlen 0, and none at all', () => {
  const [leaf] = parseCertificateChain(certWith('bc-false', ['basicConstraints = CA:FALSE']))!;
  assert.equal(leaf!.ca, false);
  assert.equal(leaf!.pathLen, undefined);
  assert.equal(leaf!.basicConstraintsCritical, false);
  const [ca] = parseCertificateChain(certWith('bc-zero', ['basicConstraints = critical, CA:TRUE, pathlen:0']))!;
  assert.equal(ca!.ca, true);
  assert.equal(ca!.pathLen, 0);
  assert.equal(ca!.basicConstraintsCritical, true);
  const [bare] = parseCertificateChain(certWith('bc-none', ['subjectKeyIdentifier = hash']))!;
  assert.equal(bare!.ca, false);
  assert.deepEqual(bare!.keyUsage, []);
  assert.deepEqual(bare!.extKeyUsage, []);
  assert.deepEqual(bare!.sans, []);
});

test('SAN entries other than DNS and IP read as their DER, so a change to them still shows', () => {
  const [cert] = parseCertificateChain(certWith('san-mixed', ['subjectAltName = email:ops@example.com, URI:https://quay.example.com/, DNS:Quay.Example.com, IP:::ffff:10.1.2.3']))!;
  const email = Buffer.concat([Buffer.from([0x81, 15]), Buffer.from('ops@example.com')]).toString('hex');
  const uri = Buffer.concat([Buffer.from([0x86, 25]), Buffer.from('https://quay.example.com/')]).toString('hex');
  assert.deepEqual(cert!.sans, [`other:${email}`, `other:${uri}`, 'DNS:quay.example.com', 'IP:::ffff:a01:203']);
  const printed = openssl('x509', '-in', file('san-mixed.pem'), '-noout', '-ext', 'subjectAltName').out;
  assert.match(printed, /email:ops@example.com, URI:https:\/\/quay.example.com\/, DNS:Quay.Example.com, IP Address:0:0:0:0:0:FFFF:A01:203/);
});
