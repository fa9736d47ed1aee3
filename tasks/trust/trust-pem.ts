import { X509Certificate, createHash } from 'node:crypto';
import { TaskError } from '../../engine/errors.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

interface PemBlock {
  label: string;
  /** Base64 body with every whitespace removed. */
  body: string;
}

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, body: m[2]!.replace(/\s+/g, '') }));
}

function wrap64(body: string): string {
  return body.match(/.{1,64}/g)!.join('\n');
}

/**
 * The certificates of a PEM text in one canonical form (64-column lines, "\n", one trailing
 * newline), so that re-wrapped or CRLF copies of the same CA compare equal. Anything that is
 * not a CERTIFICATE block (comments, `openssl x509 -text` output) is dropped.
 */
export function normaliseCertificates(text: string): string {
  return pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => `-----BEGIN CERTIFICATE-----\n${wrap64(b.body)}\n-----END CERTIFICATE-----\n`)
    .join('');
}

/** Validates a CA given by the user: at least one parsable certificate, and no private key. */
export function parseCaPem(text: string, origin: string): { pem: string; first: X509Certificate } {
  const blocks = pemBlocks(text);
  if (blocks.some((b) => b.label.includes('PRIVATE KEY'))) {
    throw new TaskError(`${origin} contains a private key; give only the CA certificate`);
  }
  const pem = normaliseCertificates(text);
  if (!pem) throw new TaskError(`${origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let first: X509Certificate;
  try {
    for (const block of pem.split(/(?<=-----END CERTIFICATE-----\n)/)) {
      if (block) new X509Certificate(block);
    }
    first = new X509Certificate(pem);
  } catch (e) {
    throw new TaskError(`${origin} is not a valid certificate: ${(e as Error).message}`);
  }
  return { pem, first };
}

/** True when every certificate of `pem` appears in the bundle text (e.g. ca-certificates.crt). */
export function bundleContains(bundle: string, pem: string): boolean {
  const inBundle = new Set(pemBlocks(bundle).map((b) => b.body));
  return pemBlocks(pem).every((b) => inBundle.has(b.body));
}

/** "tackle-" + a slug of the subject CN, or of the fingerprint when the subject has no CN. */
export function defaultTrustName(cert: X509Certificate): string {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '';
  const slug = cn
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  if (slug) return `tackle-${slug}`;
  return `tackle-ca-${createHash('sha256').update(cert.raw).digest('hex').slice(0, 12)}`;
}
