/**
 * Reads certificates and requests back (whoever made them: this code, openssl, an operator)
 * into the facts the checks compare. node's X509Certificate does the signature and fingerprint
 * work; @peculiar/asn1-x509 reads what node does not expose. Only the extensions compared here
 * are decoded, so an unusual extension elsewhere never makes a certificate unreadable.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { ContentMemo } from './content-memo.ts';
import { pemDerOf } from '../shared/pem.ts';
import { KEY_USAGE_FLAGS, type KeyUsageName } from './build.ts';
import { keyTypeOf } from './keys.ts';
import { x509 } from './peculiar.ts';
import { decodeName } from './names.ts';
import { decodeSans } from './sans.ts';

interface Extension {
  critical: boolean;
  value: BufferSource;
}

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
  const basic = exts.get(id_ce_basicConstraints);
  const constraints = basic ? AsnConvert.parse(basic.value, BasicConstraints) : undefined;
  const keyUsage = exts.get(id_ce_keyUsage);
  const flags = keyUsage ? AsnConvert.parse(keyUsage.value, KeyUsage).toNumber() : 0;
  const san = exts.get(id_ce_subjectAltName);
  const eku = exts.get(id_ce_extKeyUsage);
  return {
    sans: san ? decodeSans(san.value) : [],
    ca: constraints?.cA ?? false,
    ...(constraints?.pathLenConstraint !== undefined ? { pathLen: constraints.pathLenConstraint } : {}),
    basicConstraintsCritical: basic?.critical ?? false,
    keyUsage: (Object.keys(KEY_USAGE_FLAGS) as KeyUsageName[]).filter((name) => flags & KEY_USAGE_FLAGS[name]),
    extKeyUsage: eku ? [...AsnConvert.parse(eku.value, ExtendedKeyUsage)] : [],
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
  const { tbsCertificate: tbs } = AsnConvert.parse(der, Certificate);
  const exts = new Map<string, Extension>(
    (tbs.extensions ?? []).map((e) => [e.extnID, { critical: e.critical, value: e.extnValue.buffer }]),
  );
  const ski = exts.get(id_ce_subjectKeyIdentifier);
  const subjectName = Buffer.from(AsnConvert.serialize(tbs.subject));
  const issuerName = Buffer.from(AsnConvert.serialize(tbs.issuer));
  return {
    der,
    x509: node,
    subject: decodeName(subjectName),
    issuer: decodeName(issuerName),
    subjectName,
    issuerName,
    notAfter: tbs.validity.notAfter.getTime(),
    publicKey: node.publicKey,
    keyType: keyTypeOf(node.publicKey),
    ...extensionFacts(exts),
    ...(ski ? { subjectKeyId: Buffer.from(AsnConvert.parse(ski.value, SubjectKeyIdentifier).buffer) } : {}),
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

/** A PKCS#10 request, its signature checked; null when the text holds none or it is malformed. */
export async function parseCsr(pem: string): Promise<ParsedCsr | null> {
  const [der] = pemDerOf(pem, 'CERTIFICATE REQUEST');
  if (!der) return null;
  try {
    const csr = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
    const exts = new Map<string, Extension>(csr.extensions.map((e) => [e.type, { critical: e.critical, value: e.value }]));
    const { basicConstraintsCritical: _, ...facts } = extensionFacts(exts);
    return {
      subject: decodeName(csr.subjectName.toArrayBuffer()),
      publicKey: createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }),
      signatureValid: await csr.verify(),
      ...facts,
    };
  } catch {
    return null;
  }
}
