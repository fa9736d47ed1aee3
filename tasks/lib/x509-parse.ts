/**
 * Reads certificates and requests back (whoever made them: this code, openssl, an operator)
 * into the facts the checks compare. node's X509Certificate does the signature and
 * fingerprint work; the DER walk gets what it does not expose (pathlen, keyUsage bits, SKI).
 */
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { pemDerOf } from './pem.ts';
import { KEY_USAGE_BITS, OID, type KeyUsageName } from './x509-build.ts';
import {
  TAG,
  children,
  decodeNamedBits,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  expectTag,
  readNode,
  bitStringBytes,
  type DerNode,
} from './x509-der.ts';
import { keyTypeOf } from './x509-keys.ts';
import { decodeName } from './x509-names.ts';
import { decodeSans } from './x509-sans.ts';

interface Extension {
  critical: boolean;
  value: DerNode;
}

/** Facts shared by certificates and requests. */
interface ExtensionFacts {
  /** Canonical "DNS:x" / "IP:y" strings. */
  sans: string[];
  ca: boolean;
  pathLen?: number;
  keyUsage: KeyUsageName[];
  keyUsageCritical: boolean;
  /** Extended key usage OIDs. */
  extKeyUsage: string[];
}

export interface ParsedCertificate extends ExtensionFacts {
  der: Buffer;
  x509: X509Certificate;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  /** Name DER exactly as in the certificate (a child's issuer must match it). */
  subjectName: Buffer;
  issuerName: Buffer;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  keyType: string;
  basicConstraintsCritical: boolean;
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  /** SHA-256 of the DER, colon hex (as openssl x509 -fingerprint -sha256). */
  fingerprint: string;
}

export interface ParsedCsr extends ExtensionFacts {
  subject: Record<string, string>;
  publicKey: KeyObject;
  signatureValid: boolean;
}

function parseExtensions(list: DerNode | undefined): Map<string, Extension> {
  const out = new Map<string, Extension>();
  if (!list) return out;
  for (const ext of children(expectTag(list, TAG.SEQUENCE, 'Extensions'))) {
    const parts = children(ext);
    const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && parts[1]!.content[0] !== 0;
    const octets = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue');
    out.set(decodeOid(parts[0]!), { critical, value: readNode(octets.content) });
  }
  return out;
}

function extensionFacts(exts: Map<string, Extension>): ExtensionFacts & { basicConstraintsCritical: boolean } {
  const basic = exts.get(OID.basicConstraints);
  const basicParts = basic ? children(basic.value) : [];
  const ca = basicParts[0]?.tag === TAG.BOOLEAN && basicParts[0].content[0] !== 0;
  const pathNode = basicParts.find((p) => p.tag === TAG.INTEGER);
  const keyUsage = exts.get(OID.keyUsage);
  const names = Object.entries(KEY_USAGE_BITS) as [KeyUsageName, number][];
  const bits = keyUsage ? decodeNamedBits(keyUsage.value) : [];
  const san = exts.get(OID.subjectAltName);
  const eku = exts.get(OID.extKeyUsage);
  return {
    sans: san ? decodeSans(san.value) : [],
    ca,
    ...(pathNode ? { pathLen: decodeSmallInteger(pathNode) } : {}),
    basicConstraintsCritical: basic?.critical ?? false,
    keyUsage: names.filter(([, bit]) => bits.includes(bit)).map(([name]) => name),
    keyUsageCritical: keyUsage?.critical ?? false,
    extKeyUsage: eku ? children(eku.value).map(decodeOid) : [],
  };
}

/** One certificate from its DER; throws when it is malformed. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const [tbs] = children(readNode(der));
  const fields = children(tbs!);
  if (fields[0]?.tag === 0xa0) fields.shift(); // version
  const [serial, , issuer, validity, subject, , ...rest] = fields;
  const [notBefore, notAfter] = children(validity!);
  const extensionsField = rest.find((n) => n.tag === 0xa3); // [3] EXPLICIT Extensions
  const exts = parseExtensions(extensionsField ? children(extensionsField)[0] : undefined);
  const ski = exts.get(OID.subjectKeyIdentifier);
  const aki = exts.get(OID.authorityKeyIdentifier);
  const akiKeyId = aki ? children(aki.value).find((n) => n.tag === 0x80) : undefined;
  const publicKey = x509.publicKey;
  return {
    der,
    x509,
    subject: decodeName(subject!),
    issuer: decodeName(issuer!),
    subjectName: Buffer.from(subject!.raw),
    issuerName: Buffer.from(issuer!.raw),
    serialHex: expectTag(serial, TAG.INTEGER, 'serial').content.toString('hex'),
    notBefore: decodeTime(notBefore!),
    notAfter: decodeTime(notAfter!),
    publicKey,
    keyType: keyTypeOf(publicKey),
    ...extensionFacts(exts),
    ...(ski ? { subjectKeyId: Buffer.from(expectTag(ski.value, TAG.OCTET_STRING, 'SKI').content) } : {}),
    ...(akiKeyId ? { authorityKeyId: Buffer.from(akiKeyId.content) } : {}),
    fingerprint: x509.fingerprint256,
  };
}

/** Every certificate of a PEM text, in order; null when there is none or one does not parse. */
export function parseCertificateChain(pem: string): ParsedCertificate[] | null {
  const ders = pemDerOf(pem, 'CERTIFICATE');
  if (ders.length === 0) return null;
  try {
    return ders.map(parseCertificate);
  } catch {
    return null;
  }
}

const HASH_BY_SIGNATURE_OID: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** A PKCS#10 request, its signature checked; null when the text holds none or it is malformed. */
export function parseCsr(pem: string): ParsedCsr | null {
  const [der] = pemDerOf(pem, 'CERTIFICATE REQUEST');
  if (!der) return null;
  try {
    const [info, algorithm, signature] = children(readNode(der));
    const [, subject, spki, attributes] = children(info!);
    const publicKey = createPublicKey({ key: Buffer.from(spki!.raw), format: 'der', type: 'spki' });
    let exts = new Map<string, Extension>();
    for (const attribute of attributes ? children(attributes) : []) {
      const [type, values] = children(attribute);
      if (decodeOid(type!) === OID.extensionRequest) exts = parseExtensions(children(values!)[0]);
    }
    const hash = HASH_BY_SIGNATURE_OID[decodeOid(children(algorithm!)[0]!)];
    const signatureValid = hash !== undefined && verify(hash, info!.raw, publicKey, bitStringBytes(signature!));
    const { basicConstraintsCritical: _, ...facts } = extensionFacts(exts);
    return { subject: decodeName(subject!), publicKey, signatureValid, ...facts };
  } catch {
    return null;
  }
}
