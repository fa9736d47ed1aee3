/**
 * Where keys and certificates are made: "js" on the controller (node crypto, async) or
 * "openssl" on the target with its own openssl (chosen automatically when the target runs
 * in FIPS mode). Both return PEM; the tasks write the files and the checks read them back.
 */
import type { Connection } from '../../engine/connection.ts';
import type { KeyType } from './keys.ts';
import type { Subject } from './names.ts';
import type { ParsedCertificate } from './parse.ts';
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

/**
 * Keys and certificates made on the controller. The builder (@peculiar/x509) is loaded at the
 * first certificate made, so runs with nothing to make never load it.
 */
export const jsBackend: CertBackend = {
  name: 'js',
  issueCa: async (req) => (await import('./js-backend.ts')).issueCa(req),
  issueServer: async (req) => (await import('./js-backend.ts')).issueServer(req),
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
