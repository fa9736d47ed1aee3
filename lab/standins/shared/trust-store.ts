/**
 * The certificates a Go program on Linux trusts (Clair and Quay's workers are Go or use the system
 * store): SSL_CERT_FILE or the first distribution bundle that exists, plus every file in
 * SSL_CERT_DIR (colon-separated) or the distribution directories.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUNDLE_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/pki/tls/cacert.pem', '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', '/etc/ssl/cert.pem'];
const CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function systemTrustStore(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = []): string[] {
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : BUNDLE_FILES.filter((f) => existsSync(f)).slice(0, 1);
  const dirs = (env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':').filter(Boolean) : CERT_DIRS).concat(extraDirs);
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) files.push(join(dir, name));
  }
  const certs = new Set<string>();
  for (const file of files) {
    try {
      if (!statSync(file).isFile()) continue;
      for (const pem of readFileSync(file, 'utf8').match(PEM_BLOCK) ?? []) certs.add(pem);
    } catch {
      // unreadable or vanished: Go skips it too
    }
  }
  return [...certs];
}
