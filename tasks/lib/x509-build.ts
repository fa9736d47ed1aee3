/**
 * Builds and signs X.509 v3 certificates and PKCS#10 requests for RSA and EC keys alike:
 * the DER comes from x509-der.ts, the signature from node's async crypto.sign (libuv pool).
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { pemEncode } from './pem.ts';
import {
  bitString,
  bitStringBytes,
  bool,
  children,
  explicit,
  implicitPrimitive,
  integer,
  namedBits,
  nullValue,
  octetString,
  oid,
  readNode,
  sequence,
  set,
  time,
} from './x509-der.ts';
import { spkiDer } from './x509-keys.ts';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

/** 16 random bytes, first bit clear (positive) and second set (no leading zero byte to strip). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** RFC 5280 key identifier method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  const [, subjectPublicKey] = children(readNode(spkiDer(key)));
  return createHash('sha1').update(bitStringBytes(subjectPublicKey!)).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octetString(value));
}

/** CA:TRUE (with pathlen when given) is marked critical, as RFC 5280 requires; CA:FALSE is not (as openssl writes it). */
export function basicConstraintsExt(ca: boolean, pathLen?: number): Buffer {
  const value = ca ? sequence(bool(true), ...(pathLen !== undefined ? [integer(pathLen)] : [])) : sequence();
  return extension(OID.basicConstraints, ca, value);
}

export function keyUsageExt(usages: readonly KeyUsageName[], critical: boolean): Buffer {
  return extension(OID.keyUsage, critical, namedBits(usages.map((u) => KEY_USAGE_BITS[u])));
}

export function serverAuthExt(): Buffer {
  return extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth)));
}

export function subjectAltNameExt(generalNames: Buffer): Buffer {
  return extension(OID.subjectAltName, false, generalNames);
}

export function subjectKeyIdExt(keyId: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

export function authorityKeyIdExt(keyId: Buffer): Buffer {
  return extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));
}

function signatureAlgorithm(signer: KeyObject): Buffer {
  if (signer.asymmetricKeyType === 'rsa') return sequence(oid(OID.sha256WithRSAEncryption), nullValue());
  if (signer.asymmetricKeyType === 'ec') return sequence(oid(OID.ecdsaWithSHA256));
  throw new Error(`cannot sign with a ${signer.asymmetricKeyType} key`);
}

function signAsync(data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign('sha256', data, key, (err, sig) => (err ? reject(err) : resolve(sig))));
}

/** toBeSigned, its algorithm and signature: the shape of both a Certificate and a CertificationRequest. */
async function signed(toBeSigned: Buffer, signer: KeyObject): Promise<Buffer> {
  return sequence(toBeSigned, signatureAlgorithm(signer), bitString(await signAsync(toBeSigned, signer)));
}

export interface CertificateSpec {
  serial: Buffer;
  /** Name DER of the issuer: for a chained cert, the CA certificate's subject bytes as they are. */
  issuerName: Buffer;
  subjectName: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The certified key (a private key stands for its public half). */
  subjectKey: KeyObject;
  /** The private key that signs. */
  signerKey: KeyObject;
  extensions: readonly Buffer[];
}

/** A signed v3 certificate as PEM. */
export async function buildCertificate(spec: CertificateSpec): Promise<string> {
  const algorithm = signatureAlgorithm(spec.signerKey);
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(spec.serial),
    algorithm,
    spec.issuerName,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    spec.subjectName,
    spkiDer(spec.subjectKey),
    explicit(3, sequence(...spec.extensions)),
  );
  return pemEncode('CERTIFICATE', await signed(tbs, spec.signerKey));
}

/** A PKCS#10 request whose extensionRequest attribute carries the extensions (SANs and friends). */
export async function buildCsr(subjectName: Buffer, key: KeyObject, extensions: readonly Buffer[]): Promise<string> {
  // attributes is [0] IMPLICIT SET OF Attribute: the context tag takes the SET's place.
  const attributes = explicit(0, sequence(oid(OID.extensionRequest), set(sequence(...extensions))));
  const info = sequence(integer(0), subjectName, spkiDer(key), attributes);
  return pemEncode('CERTIFICATE REQUEST', await signed(info, key));
}
