/**
 * The DER structure of certificates and requests, read as far as a check looks: each element's
 * tag, its bytes as they stand in the input, and its content, split into elements only where a
 * caller asks (names are compared as their own bytes). asn1js read every certificate whole,
 * down into each OCTET STRING's content: 0.3 ms a certificate once warm, 0.75 ms before, for a
 * structure that takes a few microseconds to walk. Definite lengths only, as DER has them.
 */

export interface DerNode {
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  readonly tagClass: number;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The element's encoding, header included (a view of the input, not a copy). */
  readonly raw: Buffer;
  /** Its content octets (a view of the input). */
  readonly content: Buffer;
}

export const UNIVERSAL = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
  universalString: 28,
  bmpString: 30,
} as const;

export interface Extension {
  critical: boolean;
  value: Buffer;
}

export class MalformedDer extends Error {
  override name = 'MalformedDer';
}

/** The element that starts at `at`, and where it ends. */
function readNode(buf: Buffer, at: number): { node: DerNode; end: number } {
  let pos = at;
  const byte = (): number => {
    if (pos >= buf.length) throw new MalformedDer('truncated');
    return buf[pos++]!;
  };
  const first = byte();
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let b = 0x80, n = 0; b & 0x80; n++) {
      if (n === 4) throw new MalformedDer('tag number too large');
      b = byte();
      tagNumber = tagNumber * 128 + (b & 0x7f);
    }
  }
  let length = byte();
  if (length === 0x80) throw new MalformedDer('indefinite length');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new MalformedDer('length too large');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + byte();
  }
  const end = pos + length;
  if (end > buf.length) throw new MalformedDer('truncated');
  const node = { tagClass: first >> 6, tagNumber, constructed: (first & 0x20) !== 0, raw: buf.subarray(at, end), content: buf.subarray(pos, end) };
  return { node, end };
}

/** The one element the bytes hold; throws when they do not parse or something follows it. */
export function derBlock(der: Uint8Array): DerNode {
  const buf = Buffer.isBuffer(der) ? der : Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const { node, end } = readNode(buf, 0);
  if (end !== buf.length) throw new MalformedDer('bytes after the structure');
  return node;
}

/** The elements of a constructed element (a SEQUENCE, a SET, an explicitly tagged field). */
export function elements(node: DerNode | undefined, what: string): DerNode[] {
  if (!node || !node.constructed) throw new MalformedDer(`${what}: not a constructed element`);
  const out: DerNode[] = [];
  for (let pos = 0; pos < node.content.length; ) {
    const next = readNode(node.content, pos);
    out.push(next.node);
    pos = next.end;
  }
  return out;
}

export function isUniversal(node: DerNode | undefined, tagNumber: number): node is DerNode {
  return node !== undefined && node.tagClass === 0 && node.tagNumber === tagNumber;
}

/** A context-specific [n] tag. */
export function isContextTag(node: DerNode | undefined, n: number): node is DerNode {
  return node !== undefined && node.tagClass === 2 && node.tagNumber === n;
}

/** The content of a primitive universal element of the given type. */
export function primitiveContent(node: DerNode | undefined, tagNumber: number, what: string): Buffer {
  if (!isUniversal(node, tagNumber) || node.constructed) throw new MalformedDer(`${what}: not the expected type`);
  return node.content;
}

/** Dotted text of an OBJECT IDENTIFIER; arcs past 2^53 (UUID arcs under 2.25) are exact too. */
export function oidOf(node: DerNode | undefined, what: string): string {
  const bytes = primitiveContent(node, UNIVERSAL.oid, what);
  if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80) throw new MalformedDer(`${what}: not an OID`);
  const subidentifiers: (number | bigint)[] = [];
  let value: number | bigint = 0;
  for (const b of bytes) {
    if (typeof value === 'number' && value > 2 ** 45) value = BigInt(value);
    value = typeof value === 'bigint' ? value * 128n + BigInt(b & 0x7f) : value * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    subidentifiers.push(value);
    value = 0;
  }
  // The first subidentifier holds the first two arcs: 40 * X + Y, where X is 0, 1 or 2.
  const [first, ...rest] = subidentifiers as [number | bigint, ...(number | bigint)[]];
  const head = typeof first === 'number' && first < 80 ? [Math.floor(first / 40), first % 40] : [2, typeof first === 'bigint' ? first - 80n : first - 80];
  return [...head, ...rest].join('.');
}

/** Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }, by OID. */
export function extensionsOf(sequence: DerNode | undefined): Map<string, Extension> {
  const out = new Map<string, Extension>();
  for (const ext of elements(sequence, 'extensions')) {
    const [id, second, third] = elements(ext, 'extension');
    const flagged = isUniversal(second, UNIVERSAL.boolean);
    const critical = flagged ? booleanOf(second, 'extension critical') : false;
    out.set(oidOf(id, 'extension'), { critical, value: primitiveContent(flagged ? third : second, UNIVERSAL.octetString, 'extension value') });
  }
  return out;
}

export function booleanOf(node: DerNode | undefined, what: string): boolean {
  const content = primitiveContent(node, UNIVERSAL.boolean, what);
  if (content.length !== 1) throw new MalformedDer(`${what}: not a BOOLEAN`);
  return content[0] !== 0;
}

/** An INTEGER small enough for a number (pathLenConstraint and the like). */
export function smallIntegerOf(node: DerNode | undefined, what: string): number {
  const content = primitiveContent(node, UNIVERSAL.integer, what);
  if (content.length === 0 || content.length > 6) throw new MalformedDer(`${what}: not a small INTEGER`);
  return content.readIntBE(0, content.length);
}

/** A BIT STRING: its bytes and how many bits of the last one are unused. */
export function bitStringOf(node: DerNode | undefined, what: string): { bytes: Buffer; unusedBits: number } {
  const content = primitiveContent(node, UNIVERSAL.bitString, what);
  const unusedBits = content[0];
  if (unusedBits === undefined || unusedBits > 7 || (unusedBits > 0 && content.length === 1)) throw new MalformedDer(`${what}: not a BIT STRING`);
  return { bytes: content.subarray(1), unusedBits };
}

/** A BIT STRING's bytes (signatures have no unused bits). */
export function bitStringBytes(node: DerNode | undefined, what: string): Buffer {
  const { bytes, unusedBits } = bitStringOf(node, what);
  if (unusedBits !== 0) throw new MalformedDer(`${what}: not a whole-byte BIT STRING`);
  return bytes;
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/;

/** UTCTime (years 50-99 are 19xx, as RFC 5280 says) or GeneralizedTime, in UTC as DER writes them. */
export function timeOf(node: DerNode | undefined, what: string): Date {
  const utc = isUniversal(node, UNIVERSAL.utcTime);
  if (!utc && !isUniversal(node, UNIVERSAL.generalizedTime)) throw new MalformedDer(`${what}: not a time`);
  const text = node!.content.toString('latin1');
  const m = (utc ? UTC_TIME : GENERALIZED_TIME).exec(text);
  if (!m) throw new MalformedDer(`${what}: not a time in UTC: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fullYear = utc ? (year < 50 ? 2000 + year : 1900 + year) : year;
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const date = new Date(0);
  date.setUTCFullYear(fullYear, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  if (fields.join() !== [fullYear, month, day, hour, minute, second].join()) throw new MalformedDer(`${what}: no such time: ${text}`);
  return date;
}
