/**
 * The extension values the checks compare (RFC 5280 4.2.1), decoded by der.ts. Going through
 * @peculiar/asn1-x509's schema classes instead put its 240 KB of modules on every run's start
 * and cost more per certificate than the rest of its reading.
 */
import { MalformedDer, UNIVERSAL, bitStringOf, booleanOf, derBlock, elements, isContextTag, isUniversal, oidOf, primitiveContent, smallIntegerOf } from './der.ts';
import { canonicalIPv6 } from './sans.ts';

export const EXTENSION_OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
} as const;

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const fields = elements(derBlock(value), 'basicConstraints');
  const flagged = isUniversal(fields[0], UNIVERSAL.boolean);
  const ca = flagged ? booleanOf(fields[0], 'basicConstraints cA') : false;
  const rest = fields.slice(flagged ? 1 : 0);
  if (rest.length === 0) return { ca };
  if (rest.length > 1) throw new MalformedDer('basicConstraints: unexpected field');
  return { ca, pathLen: smallIntegerOf(rest[0], 'basicConstraints pathLenConstraint') };
}

/**
 * KeyUsage ::= BIT STRING, as flags: the named bit n (digitalSignature is 0) sets 1 << n, the
 * numbering of KEY_USAGE_FLAGS.
 */
export function decodeKeyUsageFlags(value: Uint8Array): number {
  const { bytes, unusedBits } = bitStringOf(derBlock(value), 'keyUsage');
  const bits = bytes.length * 8 - unusedBits;
  let flags = 0;
  for (let n = 0; n < bits && n < 31; n++) if (bytes[n >> 3]! & (0x80 >> (n & 7))) flags |= 1 << n;
  return flags;
}

/** ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId (OIDs). */
export function decodeExtKeyUsage(value: Uint8Array): string[] {
  return elements(derBlock(value), 'extKeyUsage').map((purpose) => oidOf(purpose, 'extKeyUsage'));
}

/** SubjectKeyIdentifier ::= OCTET STRING */
export function decodeSubjectKeyId(value: Uint8Array): Buffer {
  return Buffer.from(primitiveContent(derBlock(value), UNIVERSAL.octetString, 'subjectKeyIdentifier'));
}

/**
 * Canonical text of the DNS ([2] IA5String) and IP ([7] OCTET STRING of 4 or 16 bytes) entries
 * of GeneralNames; any other entry as "other:" and its DER in hex.
 */
export function decodeSans(value: Uint8Array): string[] {
  return elements(derBlock(value), 'subjectAltName').map((name) => {
    const content = name.constructed ? undefined : name.content;
    if (content && isContextTag(name, 2)) return `DNS:${content.toString('latin1').toLowerCase()}`;
    if (content && isContextTag(name, 7) && content.length === 4) return `IP:${content.join('.')}`;
    if (content && isContextTag(name, 7) && content.length === 16) return `IP:${canonicalIPv6(ipv6Text(content))}`;
    return `other:${name.raw.toString('hex')}`;
  });
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
