import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedDer, derBlock, elements, oidOf, timeOf } from '../../../tasks/x509/der.ts';
import { decodeName } from '../../../tasks/x509/names.ts';
import { parseCertificateChain } from '../../../tasks/x509/parse.ts';
import { openssl, requireOpenssl } from '../../helpers/openssl.ts';
import { tempDir } from '../../helpers/task-harness.ts';

// The DER reader against encodings the real openssl wrote (asn1parse -genstr, req).
let dir = '';
before(() => {
  requireOpenssl();
  dir = tempDir('tackle-der-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function generated(spec: string): Buffer {
  const out = join(dir, 'g.der');
  const r = openssl('asn1parse', '-genstr', spec, '-out', out, '-noout');
  assert.equal(r.code, 0, r.out);
  return readFileSync(out);
}

test('OIDs read as openssl writes them, a UUID arc past 2^53 and a first arc of 2 with a large second included', () => {
  for (const oid of ['2.5.29.17', '1.2.840.113549.1.1.11', '0.39', '2.999.3', '2.25.329800735698586629295641978511506172918']) {
    assert.equal(oidOf(derBlock(generated(`OID:${oid}`)), 'oid'), oid);
  }
});

test('times: UTCTime years 50-99 are 19xx and 00-49 20xx, GeneralizedTime keeps its fraction, no such day is refused', () => {
  assert.equal(timeOf(derBlock(generated('UTCTIME:491231235959Z')), 't').toISOString(), '2049-12-31T23:59:59.000Z');
  assert.equal(timeOf(derBlock(generated('UTCTIME:500101000000Z')), 't').toISOString(), '1950-01-01T00:00:00.000Z');
  assert.equal(timeOf(derBlock(generated('GENTIME:20240229120000.5Z')), 't').toISOString(), '2024-02-29T12:00:00.500Z');
  // openssl refuses to write a 29 February of 2023 at all.
  assert.throws(() => timeOf(derBlock(Buffer.concat([Buffer.from([0x18, 15]), Buffer.from('20230229120000Z')])), 't'), MalformedDer);
  assert.throws(() => timeOf(derBlock(Buffer.concat([Buffer.from([0x17, 13]), Buffer.from('2401011200+01')])), 't'), MalformedDer);
});

test('truncated elements, indefinite lengths and bytes after the structure are refused', () => {
  const seq = generated('INTEGER:5');
  assert.throws(() => derBlock(Buffer.from([0x30, 0x05, 0x02, 0x01])), MalformedDer);
  assert.throws(() => derBlock(Buffer.from([0x30, 0x80, 0x00, 0x00])), MalformedDer);
  assert.throws(() => derBlock(Buffer.concat([seq, Buffer.from([0])])), MalformedDer);
  assert.throws(() => elements(derBlock(Buffer.from([0x30, 0x03, 0x02, 0x05, 0x01])), 's'), MalformedDer);
  assert.throws(() => derBlock(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), MalformedDer);
});

test('names in BMPString (openssl string_mask pkix) and UniversalString read as their text', () => {
  const conf = join(dir, 'pkix.cnf');
  writeFileSync(conf, '[req]\ndistinguished_name = dn\nstring_mask = pkix\n[dn]\n');
  const key = join(dir, 'k.pem');
  const pem = join(dir, 'bmp.pem');
  const r = openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', pem, '-days', '1', '-utf8', '-subj', '/O=Grüße €/CN=bmp', '-config', conf);
  assert.equal(r.code, 0, r.out);
  assert.match(openssl('asn1parse', '-in', pem).out, /BMPSTRING/, 'openssl wrote the organisation as a BMPString');
  const [cert] = parseCertificateChain(readFileSync(pem, 'utf8'))!;
  assert.deepEqual(cert!.subject, { O: 'Grüße €', CN: 'bmp' });

  // Name ::= SEQUENCE OF SET OF SEQUENCE { OID 2.5.4.3, UniversalString "ab😀" }
  const text = Buffer.from([0, 0, 0, 0x61, 0, 0, 0, 0x62, 0, 0x01, 0xf6, 0x00]);
  const attribute = Buffer.concat([Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03, 0x1c, text.length]), text]);
  const name = Buffer.concat([Buffer.from([0x30, attribute.length + 4, 0x31, attribute.length + 2, 0x30, attribute.length]), attribute]);
  assert.deepEqual(decodeName(derBlock(name)), { CN: 'ab😀' });
});
