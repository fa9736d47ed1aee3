/** Expiry judgement and the PEM-free text that --diff shows (never key material). */
import type { KeyObject } from 'node:crypto';
import type { FileDiff } from '../../engine/task.ts';
import { publicKeyFingerprint } from './keys.ts';
import { formatSubject, type Subject } from './names.ts';
import type { ParsedCertificate } from './parse.ts';
import { valueDigest } from '../shared/fingerprint.ts';

const DAY_MS = 86_400_000;

/** "expired on ...", "expires in 3 days (renewBefore 30)", or null when it may stay. */
export function expiryProblem(notAfter: Date, renewBeforeDays: number, now = Date.now()): string | null {
  const left = notAfter.getTime() - now;
  if (left <= 0) return `expired on ${notAfter.toISOString()}`;
  if (left < renewBeforeDays * DAY_MS) {
    const days = Math.round(left / DAY_MS);
    const when = days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${Math.ceil(left / 3_600_000)} h`;
    return `expires in ${when} (renewBefore ${renewBeforeDays})`;
  }
  return null;
}

export function describeCertificate(cert: ParsedCertificate, keyFingerprint: string): string {
  const lines = [
    `subject: ${formatSubject(cert.subject)}`,
    `issuer: ${formatSubject(cert.issuer)}`,
    ...(cert.sans.length ? [`SANs: ${cert.sans.join(', ')}`] : []),
    `notAfter: ${cert.notAfter.toISOString()}`,
    `key type: ${cert.keyType}`,
    `public key SHA-256: ${keyFingerprint}`,
    `fingerprint SHA-256: ${cert.fingerprint}`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface PlannedCertificate {
  subject: Subject;
  issuer: Subject | Record<string, string>;
  sans?: readonly string[];
  days: number;
  keyType: string;
  /** The kept key's public-key fingerprint, or null for a new key. */
  keyFingerprint: string | null;
}

export function describePlanned(plan: PlannedCertificate, now = Date.now()): string {
  const lines = [
    `subject: ${formatSubject(plan.subject as Record<string, string>)}`,
    `issuer: ${formatSubject(plan.issuer as Record<string, string>)}`,
    ...(plan.sans?.length ? [`SANs: ${plan.sans.join(', ')}`] : []),
    `notAfter: ~${new Date(now + plan.days * DAY_MS).toISOString()}`,
    `key type: ${plan.keyType}`,
    `public key SHA-256: ${plan.keyFingerprint ?? '(new key)'}`,
    'fingerprint SHA-256: (new certificate)',
  ];
  return `${lines.join('\n')}\n`;
}

/** The planned certificate as a change digest: what describePlanned shows, but not its "valid until now + days" (apply runs later). */
export function plannedCertificateDigest(planned: Omit<PlannedCertificate, 'keyFingerprint'> | null, keptKey: KeyObject | null): string {
  return valueDigest(planned && { ...planned, keyFingerprint: keptKey ? publicKeyFingerprint(keptKey) : null });
}

export const ABSENT = '(absent)\n';

/** The --diff entry of a certificate to be issued: the one there now (or absent), and the planned one with the kept key, if any. */
export function certificateDiff(
  path: string,
  current: ParsedCertificate | null,
  planned: Omit<PlannedCertificate, 'keyFingerprint'>,
  keptKey: KeyObject | null,
): FileDiff {
  return {
    path,
    before: current ? describeCertificate(current, publicKeyFingerprint(current.publicKey)) : ABSENT,
    after: describePlanned({ ...planned, keyFingerprint: keptKey ? publicKeyFingerprint(keptKey) : null }),
  };
}
