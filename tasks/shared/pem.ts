import { X509Certificate } from 'node:crypto';
import { TaskError } from '../../engine/errors.ts';

/** PEM armour (RFC 7468): base64 DER between BEGIN/END lines, 64 characters a line; certificate texts as users give them. */

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

/**
 * The certificates of a PEM text in one canonical form (64-column lines, "\n", one trailing
 * newline), so that re-wrapped or CRLF copies of the same CA compare equal. Anything that is
 * not a CERTIFICATE block (comments, `openssl x509 -text` output) is dropped.
 */
export function normaliseCertificates(text: string): string {
  return pemDerOf(text, 'CERTIFICATE')
    .map((der) => pemEncode('CERTIFICATE', der))
    .join('');
}

/** Validates a CA given by the user: at least one parsable certificate, and no private key. */
export function parseCaPem(text: string, origin: string): { pem: string; first: X509Certificate } {
  if (pemBlocks(text).some((b) => b.label.includes('PRIVATE KEY'))) {
    throw new TaskError(`${origin} contains a private key; give only the CA certificate`);
  }
  const pem = normaliseCertificates(text);
  if (!pem) throw new TaskError(`${origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let first: X509Certificate;
  try {
    [first] = pemDerOf(pem, 'CERTIFICATE').map((der) => new X509Certificate(der)) as [X509Certificate];
  } catch (e) {
    throw new TaskError(`${origin} is not a valid certificate: ${(e as Error).message}`);
  }
  return { pem, first };
}

/** True when every certificate of `pem` appears in the bundle text (e.g. ca-certificates.crt). */
export function bundleContains(bundle: string, pem: string): boolean {
  const inBundle = new Set(pemBlocks(bundle).map((b) => b.der.toString('base64')));
  return pemBlocks(pem).every((b) => inBundle.has(b.der.toString('base64')));
}
