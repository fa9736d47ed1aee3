/**
 * Builds and signs X.509 v3 certificates and PKCS#10 requests for RSA and EC keys alike with
 * @peculiar/x509; node's WebCrypto signs (off the event loop). Loaded only when something is made
 * (js-backend.ts imports it on first use).
 */
import { createHash, webcrypto, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { pemEncode } from '../shared/pem.ts';
import { spkiDer } from './keys.ts';
import { KEY_USAGE_FLAGS, OID, type KeyUsageName } from './constants.ts';
import { ATTRIBUTES, type Subject } from './names.ts';
import { x509 } from './peculiar.ts';
import { CA_KEY_USAGE, SERVER_KEY_USAGE } from './profiles.ts';
import type { San } from './sans.ts';

/** RFC 5280 key identifier method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  const { subjectPublicKey } = AsnConvert.parse(spkiDer(key), SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(subjectPublicKey)).digest();
}

/** CA:TRUE (with pathlen when given) is marked critical, as RFC 5280 requires; CA:FALSE is not (as openssl writes it). */
export function basicConstraintsExt(ca: boolean, pathLen?: number): x509.Extension {
  return new x509.BasicConstraintsExtension(ca, pathLen, ca);
}

export function keyUsageExt(usages: readonly KeyUsageName[], critical: boolean): x509.Extension {
  return new x509.KeyUsagesExtension(
    usages.reduce((flags, u) => flags | KEY_USAGE_FLAGS[u], 0),
    critical,
  );
}

export function serverAuthExt(): x509.Extension {
  return new x509.ExtendedKeyUsageExtension([OID.serverAuth], false);
}

export function subjectAltNameExt(sans: readonly San[]): x509.Extension {
  return new x509.SubjectAlternativeNameExtension(
    sans.map((san): x509.JsonGeneralName => ({ type: san.type === 'DNS' ? 'dns' : 'ip', value: san.value })),
    false,
  );
}

export function subjectKeyIdExt(keyId: Buffer): x509.Extension {
  return new x509.SubjectKeyIdentifierExtension(keyId.toString('hex'), false);
}

export function authorityKeyIdExt(keyId: Buffer): x509.Extension {
  return new x509.AuthorityKeyIdentifierExtension(keyId.toString('hex'), false);
}

const WEBCRYPTO_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** How WebCrypto imports the key, and signs with it: SHA-256 with RSA (PKCS#1 v1.5) or ECDSA, whatever the size or curve. */
function webCryptoAlgorithms(key: KeyObject): { importAs: RsaHashedImportParams | EcKeyImportParams; signWith: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === 'rsa') {
    return { importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signWith: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  const curve = WEBCRYPTO_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (key.asymmetricKeyType === 'ec' && curve) {
    return { importAs: { name: 'ECDSA', namedCurve: curve }, signWith: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
  }
  throw new Error(`cannot sign with a ${key.asymmetricKeyType} key`);
}

/** The key's WebCrypto halves (node 20 has no KeyObject.toCryptoKey) and the signature algorithm. */
async function webCryptoSigner(key: KeyObject): Promise<{ keys: CryptoKeyPair; algorithm: Algorithm | EcdsaParams }> {
  const { importAs, signWith } = webCryptoAlgorithms(key);
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), importAs, false, ['sign']),
    webcrypto.subtle.importKey('spki', spkiDer(key), importAs, true, ['verify']),
  ]);
  return { keys: { privateKey, publicKey } as CryptoKeyPair, algorithm: signWith };
}

/** The library takes ArrayBuffer-backed views only. */
const bytes = (buf: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buf);

export interface CertificateSpec {
  serial: Buffer;
  /** Name DER of the issuer: for a chained cert, the CA certificate's subject. */
  issuerName: Buffer;
  subjectName: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The certified key (a private key stands for its public half). */
  subjectKey: KeyObject;
  /** The private key that signs. */
  signerKey: KeyObject;
  extensions: readonly x509.Extension[];
}

/** A signed v3 certificate as PEM. */
export async function buildCertificate(spec: CertificateSpec): Promise<string> {
  const signer = await webCryptoSigner(spec.signerKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serial.toString('hex'),
    issuer: new x509.Name(bytes(spec.issuerName)),
    subject: new x509.Name(bytes(spec.subjectName)),
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: bytes(spkiDer(spec.subjectKey)),
    signingKey: signer.keys.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: [...spec.extensions],
  });
  return pemEncode('CERTIFICATE', Buffer.from(cert.rawData));
}

/** A PKCS#10 request whose extensionRequest attribute carries the extensions (SANs and friends). */
export async function buildCsr(subjectName: Buffer, key: KeyObject, extensions: readonly x509.Extension[]): Promise<string> {
  const signer = await webCryptoSigner(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(bytes(subjectName)),
    keys: signer.keys,
    signingAlgorithm: signer.algorithm,
    extensions: [...extensions],
  });
  return pemEncode('CERTIFICATE REQUEST', Buffer.from(csr.rawData));
}

/** Name DER: one single-valued RDN per attribute; C is PrintableString, the rest UTF8String (as openssl -utf8). */
export function encodeName(subject: Subject): Buffer {
  const rdns = ATTRIBUTES.filter(([name]) => subject[name] !== undefined).map(([name]) => {
    const value = subject[name]!;
    return { [name]: [name === 'C' ? { printableString: value } : { utf8String: value }] };
  });
  return Buffer.from(new x509.Name(rdns).toArrayBuffer());
}

export function caExtensions(key: KeyObject, pathLen: number | undefined): x509.Extension[] {
  const id = keyIdentifier(key);
  return [basicConstraintsExt(true, pathLen), keyUsageExt(CA_KEY_USAGE, true), subjectKeyIdExt(id), authorityKeyIdExt(id)];
}

/** What the CSR asks for (its extensionRequest). */
export function serverRequestExtensions(sans: readonly San[]): x509.Extension[] {
  return [basicConstraintsExt(false), keyUsageExt(SERVER_KEY_USAGE, false), serverAuthExt(), subjectAltNameExt(sans)];
}

export function serverExtensions(sans: readonly San[], key: KeyObject, caKeyId: Buffer): x509.Extension[] {
  return [...serverRequestExtensions(sans), subjectKeyIdExt(keyIdentifier(key)), authorityKeyIdExt(caKeyId)];
}
