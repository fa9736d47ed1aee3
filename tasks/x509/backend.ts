/**
 * Where keys and certificates are made: "js" on the controller (node crypto, async) or
 * "openssl" on the target with its own openssl (chosen automatically when the target runs
 * in FIPS mode). Both return PEM; the tasks write the files and the checks read them back.
 */
import { createPrivateKey } from 'node:crypto';
import type { Connection } from '../../engine/connection.ts';
import { buildCertificate, buildCsr, keyIdentifier } from './build.ts';
import { generatePrivateKeyPem, type KeyType } from './keys.ts';
import { encodeName, type Subject } from './names.ts';
import type { ParsedCertificate } from './parse.ts';
import { caExtensions, serverExtensions, serverRequestExtensions } from './profiles.ts';
import type { San } from './sans.ts';
import { OpensslBackend } from './openssl.ts';

export const BACKENDS = ['js', 'openssl'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** An existing, valid key file on the target (kept), or the type of a new key to make. */
export type KeySource = { reuse: { path: string; pem: string } } | { generate: KeyType };

export interface CaRequest {
  key: KeySource;
  subject: Subject;
  days: number;
  pathLen?: number;
  serial: Buffer;
}

export interface ServerRequest {
  key: KeySource;
  ca: { keyPath: string; keyPem: string; certPath: string; cert: ParsedCertificate };
  subject: Subject;
  sans: readonly San[];
  days: number;
  serial: Buffer;
  /** false when only the CSR is stale: the certificate is not re-issued. */
  issueCert: boolean;
}

export interface Issued {
  keyPem: string;
  certPem?: string;
  csrPem?: string;
}

export interface CertBackend {
  readonly name: BackendName;
  issueCa(req: CaRequest): Promise<Issued & { certPem: string }>;
  issueServer(req: ServerRequest): Promise<Issued & { csrPem: string }>;
}

const DAY_MS = 86_400_000;

/** Whole seconds: what the certificate can hold. */
export function validity(days: number, now = Date.now()): { notBefore: Date; notAfter: Date } {
  const start = Math.floor(now / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(start + days * DAY_MS) };
}

export const jsBackend: CertBackend = {
  name: 'js',
  async issueCa(req) {
    const keyPem = 'reuse' in req.key ? req.key.reuse.pem : await generatePrivateKeyPem(req.key.generate);
    const key = createPrivateKey(keyPem);
    const name = encodeName(req.subject);
    const certPem = await buildCertificate({
      serial: req.serial,
      issuerName: name,
      subjectName: name,
      ...validity(req.days),
      subjectKey: key,
      signerKey: key,
      extensions: caExtensions(key, req.pathLen),
    });
    return { keyPem, certPem };
  },
  async issueServer(req) {
    const keyPem = 'reuse' in req.key ? req.key.reuse.pem : await generatePrivateKeyPem(req.key.generate);
    const key = createPrivateKey(keyPem);
    const subjectName = encodeName(req.subject);
    const csrPem = await buildCsr(subjectName, key, serverRequestExtensions(req.sans));
    if (!req.issueCert) return { keyPem, csrPem };
    const caKeyId = req.ca.cert.subjectKeyId ?? keyIdentifier(req.ca.cert.publicKey);
    const certPem = await buildCertificate({
      serial: req.serial,
      issuerName: req.ca.cert.subjectName,
      subjectName,
      ...validity(req.days),
      subjectKey: key,
      signerKey: createPrivateKey(req.ca.keyPem),
      extensions: serverExtensions(req.sans, key, caKeyId),
    });
    return { keyPem, csrPem, certPem };
  },
};

/** The requested backend, else openssl when the target's kernel is in FIPS mode, else js. */
export async function selectBackend(conn: Connection, requested: BackendName | undefined): Promise<CertBackend> {
  const backend = requested ?? ((await fipsEnabled(conn)) ? 'openssl' : 'js');
  return backend === 'openssl' ? new OpensslBackend(conn) : jsBackend;
}

async function fipsEnabled(conn: Connection): Promise<boolean> {
  try {
    return (await conn.readFile('/proc/sys/crypto/fips_enabled'))?.toString().trim() === '1';
  } catch {
    return false;
  }
}

export const backendSchema = {
  type: 'string',
  enum: [...BACKENDS],
  description:
    'Where keys and certificates are made: js (on the controller, node crypto) or openssl (on the target with its openssl command). Default js, or openssl when the target runs in FIPS mode.',
} as const;
