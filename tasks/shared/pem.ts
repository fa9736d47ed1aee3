/** PEM armour (RFC 7468): base64 DER between BEGIN/END lines, 64 characters a line. */

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function pemEncode(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every block in the text, in order; text outside blocks is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    blocks.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  }
  return blocks;
}

/** DER of each block with this label (e.g. every CERTIFICATE of a chain file). */
export function pemDerOf(text: string, label: string): Buffer[] {
  return pemBlocks(text)
    .filter((b) => b.label === label)
    .map((b) => b.der);
}
