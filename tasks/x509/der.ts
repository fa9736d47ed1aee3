/**
 * The outer structure of certificates and requests, read with asn1js in one pass. Mapping a
 * whole certificate onto @peculiar's schema classes, and encoding its names again to compare
 * them, cost more than every other check of a warm run's host together; here the parts a check
 * compares are taken as they stand in the input (names as their own bytes), and the extension
 * values are decoded by extension-values.ts.
 */
import * as asn1js from 'asn1js';

export interface Extension {
  critical: boolean;
  value: Buffer<ArrayBuffer>;
}

export class MalformedDer extends Error {
  override name = 'MalformedDer';
}

/** The one block the bytes hold; throws when they do not parse or something follows it. */
export function derBlock(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || parsed.result.error) throw new MalformedDer(parsed.result.error || 'not DER');
  if (parsed.offset !== der.byteLength) throw new MalformedDer('bytes after the structure');
  return parsed.result;
}

/** The elements of a SEQUENCE (or of a tagged or SET block built from others). */
export function elements(block: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  const inner = block && (block as asn1js.Constructed).valueBlock?.value;
  if (!block || !block.idBlock.isConstructed || !Array.isArray(inner)) throw new MalformedDer(`${what}: not a constructed block`);
  return inner as asn1js.AsnType[];
}

/** The block's encoding as it stands in the input, header included. */
export function rawBytes(block: asn1js.AsnType): Buffer<ArrayBuffer> {
  return bufferOf(block.valueBeforeDecodeView);
}

/** The bytes a view shows, without a copy (asn1js's views are over the input's ArrayBuffer). */
function bufferOf(view: Uint8Array): Buffer<ArrayBuffer> {
  return Buffer.from(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
}

/** A context-specific [n] tag. */
export function isContextTag(block: asn1js.AsnType | undefined, n: number): boolean {
  return block !== undefined && block.idBlock.tagClass === 3 && block.idBlock.tagNumber === n;
}

export function oidOf(block: asn1js.AsnType | undefined, what: string): string {
  if (!(block instanceof asn1js.ObjectIdentifier)) throw new MalformedDer(`${what}: not an OID`);
  return block.valueBlock.toString();
}

/** Extensions ::= SEQUENCE OF Extension, by OID. */
export function extensionsOf(sequence: asn1js.AsnType | undefined): Map<string, Extension> {
  const out = new Map<string, Extension>();
  for (const ext of elements(sequence, 'extensions')) {
    const [id, second, third] = elements(ext, 'extension');
    const critical = second instanceof asn1js.Boolean ? second.valueBlock.value : false;
    const value = second instanceof asn1js.Boolean ? third : second;
    if (!(value instanceof asn1js.OctetString)) throw new MalformedDer('extension: no OCTET STRING value');
    out.set(oidOf(id, 'extension'), { critical, value: octets(value) });
  }
  return out;
}

/** An OCTET STRING's content (asn1js also reads it as nested ASN.1 where it can; the bytes are what counts). */
function octets(block: asn1js.OctetString): Buffer<ArrayBuffer> {
  if (block.idBlock.isConstructed) throw new MalformedDer('constructed OCTET STRING');
  return bufferOf(block.valueBlock.valueHexView);
}

/** UTCTime or GeneralizedTime. */
export function timeOf(block: asn1js.AsnType | undefined, what: string): Date {
  if (block instanceof asn1js.UTCTime || block instanceof asn1js.GeneralizedTime) return block.toDate();
  throw new MalformedDer(`${what}: not a time`);
}

/** A BIT STRING's bytes (signatures have no unused bits). */
export function bitStringBytes(block: asn1js.AsnType | undefined, what: string): Buffer<ArrayBuffer> {
  if (!(block instanceof asn1js.BitString) || block.valueBlock.unusedBits !== 0) throw new MalformedDer(`${what}: not a whole-byte BIT STRING`);
  return bufferOf(block.valueBlock.valueHexView);
}
