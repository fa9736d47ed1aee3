/**
 * What the checks and the certificate builder share about a certificate's contents. Kept apart
 * from build.ts so that a run which only checks never loads @peculiar/x509 (its modules took
 * about 20 ms of every start).
 */
import { randomBytes } from 'node:crypto';

export const OID = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** KeyUsage bits by RFC 5280 name, numbered as @peculiar/x509's KeyUsageFlags (digitalSignature = 1). */
export const KEY_USAGE_FLAGS = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE_FLAGS;

/** 16 random bytes, first bit clear (positive) and second set (no leading zero byte to strip). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}
