import { X509Certificate, createHash } from 'node:crypto';

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
