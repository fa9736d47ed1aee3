/**
 * Reads certificates and requests back (whoever made them: this code, openssl, an operator)
 * into the facts the checks compare. node's X509Certificate and crypto.verify do the signature
 * and fingerprint work; the structure is read by der.ts, and only the extensions
 * compared here are decoded (extension-values.ts), so an unusual extension elsewhere never makes
 * a certificate unreadable. Requests signed with parameters node cannot take from the
 * algorithm's OID alone (RSA-PSS) are verified by @peculiar/x509.
 */
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ContentMemo } from '../shared/content-memo.ts';
import { MalformedDer, bitStringBytes, derBlock, elements, extensionsOf, isContextTag, oidOf, timeOf, type DerNode, type Extension } from './der.ts';
import { pemDerOf } from '../shared/pem.ts';
import { KEY_USAGE_FLAGS, type KeyUsageName } from './constants.ts';
import { keyTypeOf } from './keys.ts';
import { decodeName } from './names.ts';
import { EXTENSION_OID, decodeBasicConstraints, decodeExtKeyUsage, decodeKeyUsageFlags, decodeSans, decodeSubjectKeyId } from './extension-values.ts';

/** Facts shared by certificates and requests. */
interface ExtensionFacts {
  /** Canonical "DNS:x" / "IP:y" strings. */
  sans: string[];
  ca: boolean;
  pathLen?: number;
  keyUsage: KeyUsageName[];
  /** Extended key usage OIDs. */
  extKeyUsage: string[];
  basicConstraintsCritical: boolean;
}

export interface ParsedCertificate extends ExtensionFacts {
  der: Buffer;
  x509: X509Certificate;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  /** Name DER as in the certificate (a child's issuer must match it). */
  subjectName: Buffer;
  issuerName: Buffer;
  notAfter: Date;
  publicKey: KeyObject;
  keyType: string;
  subjectKeyId?: Buffer;
  /** SHA-256 of the DER, colon hex (as openssl x509 -fingerprint -sha256). */
  fingerprint: string;
}

export interface ParsedCsr extends Omit<ExtensionFacts, 'basicConstraintsCritical'> {
  subject: Record<string, string>;
  publicKey: KeyObject;
  signatureValid: boolean;
}

function extensionFacts(exts: ReadonlyMap<string, Extension>): ExtensionFacts {
  const basic = exts.get(EXTENSION_OID.basicConstraints);
  const constraints = basic ? decodeBasicConstraints(basic.value) : undefined;
  const keyUsage = exts.get(EXTENSION_OID.keyUsage);
  const flags = keyUsage ? decodeKeyUsageFlags(keyUsage.value) : 0;
  const san = exts.get(EXTENSION_OID.subjectAltName);
  const eku = exts.get(EXTENSION_OID.extKeyUsage);
  return {
    sans: san ? decodeSans(san.value) : [],
    ca: constraints?.ca ?? false,
    ...(constraints?.pathLen !== undefined ? { pathLen: constraints.pathLen } : {}),
    basicConstraintsCritical: basic?.critical ?? false,
    keyUsage: (Object.keys(KEY_USAGE_FLAGS) as KeyUsageName[]).filter((name) => flags & KEY_USAGE_FLAGS[name]),
    extKeyUsage: eku ? decodeExtKeyUsage(eku.value) : [],
  };
}

const parsedCertificates = new ContentMemo<ParsedCertificate | Error>();

/** One certificate from its DER; throws when it is malformed. The result is shared: do not modify it. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const parsed = parsedCertificates.get(der, () => {
    try {
      return parseCertificateUncached(der);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  });
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

function parseCertificateUncached(der: Buffer): ParsedCertificate {
  const node = new X509Certificate(der);
  const [tbs] = elements(derBlock(der), 'certificate');
  const fields = elements(tbs, 'tbsCertificate');
  // version [0] is optional; serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo follow in order.
  const at = isContextTag(fields[0], 0) ? 1 : 0;
  const [issuer, validity, subject] = [fields[at + 2], fields[at + 3], fields[at + 4]];
  if (!issuer || !subject) throw new MalformedDer('tbsCertificate: too few fields');
  const extensionsTag = fields.slice(at + 6).find((f) => isContextTag(f, 3));
  const exts = extensionsTag ? extensionsOf(elements(extensionsTag, 'extensions')[0]) : new Map<string, Extension>();
  const ski = exts.get(EXTENSION_OID.subjectKeyIdentifier);
  const subjectName = subject.raw;
  const issuerName = issuer.raw;
  return {
    der,
    x509: node,
    subject: decodeName(subject),
    issuer: decodeName(issuer),
    subjectName,
    issuerName,
    notAfter: timeOf(elements(validity, 'validity')[1], 'notAfter'),
    publicKey: node.publicKey,
    keyType: keyTypeOf(node.publicKey),
    ...extensionFacts(exts),
    ...(ski ? { subjectKeyId: decodeSubjectKeyId(ski.value) } : {}),
    fingerprint: node.fingerprint256,
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

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** Signature algorithms node verifies directly, as the digest crypto.verify takes (null: the key type decides). */
const DIRECT_SIGNATURES = new Map<string, string | null>([
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.3.101.112', null],
]);

/** A PKCS#10 request, its signature checked; null when the text holds none or it is malformed. */
export async function parseCsr(pem: string): Promise<ParsedCsr | null> {
  const [der] = pemDerOf(pem, 'CERTIFICATE REQUEST');
  if (!der) return null;
  try {
    const [info, algorithm, signature] = elements(derBlock(der), 'certificationRequest');
    const [, subject, spki, attributes] = elements(info, 'certificationRequestInfo');
    if (!subject || !spki) throw new MalformedDer('certificationRequestInfo: too few fields');
    const publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    const { basicConstraintsCritical: _, ...facts } = extensionFacts(requestedExtensions(attributes));
    return {
      subject: decodeName(subject),
      publicKey,
      signatureValid: await csrSignatureValid(der, info, oidOf(elements(algorithm, 'signatureAlgorithm')[0], 'signatureAlgorithm'), signature, publicKey),
      ...facts,
    };
  } catch {
    return null;
  }
}

/** The extensions of the extensionRequest attribute, if the request has one. */
function requestedExtensions(attributes: DerNode | undefined): Map<string, Extension> {
  if (!attributes || !isContextTag(attributes, 0)) return new Map();
  for (const attribute of elements(attributes, 'attributes')) {
    const [type, values] = elements(attribute, 'attribute');
    if (oidOf(type, 'attribute') === EXTENSION_REQUEST) return extensionsOf(elements(values, 'extensionRequest')[0]);
  }
  return new Map();
}

async function csrSignatureValid(der: Buffer, info: DerNode, algorithm: string, signature: DerNode | undefined, key: KeyObject): Promise<boolean> {
  if (!DIRECT_SIGNATURES.has(algorithm)) {
    // RSA-PSS and the like carry parameters: @peculiar reads them.
    const { x509 } = await import('./peculiar.ts');
    return new x509.Pkcs10CertificateRequest(new Uint8Array(der)).verify();
  }
  try {
    return verify(DIRECT_SIGNATURES.get(algorithm) ?? null, info.raw, key, bitStringBytes(signature, 'signature'));
  } catch {
    return false;
  }
}
