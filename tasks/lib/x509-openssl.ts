/**
 * The "openssl" backend: keys, requests and certificates are made on the target by its own
 * openssl (a FIPS host's validated module), in a private temp dir, under umask 077 so a key
 * is 0600 from its first byte. The PEM is read back for the task to install.
 */
import { posix } from 'node:path';
import type { Connection, ExecResult } from '../../engine/connection.ts';
import { CommandError, TaskError } from '../../engine/errors.ts';
import { run } from '../../engine/exec-helpers.ts';
import type { CaRequest, CertBackend, Issued, KeySource, ServerRequest } from './x509-backend.ts';
import type { KeyType } from './x509-keys.ts';
import { opensslSubject } from './x509-names.ts';
import { opensslConfig } from './x509-profiles.ts';

const GENPKEY_OPTIONS: Record<KeyType, string[]> = {
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa4096: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  'ec-p256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'],
};

export class OpensslBackend implements CertBackend {
  readonly name = 'openssl' as const;
  constructor(private readonly conn: Connection) {}

  async issueCa(req: CaRequest): Promise<Issued & { certPem: string }> {
    return this.inTempDir(async (tmp) => {
      const keyPath = await this.keyPath(req.key, tmp);
      const config = posix.join(tmp, 'openssl.cnf');
      const certPath = posix.join(tmp, 'ca.pem');
      await this.conn.writeFile(config, opensslConfig({ pathLen: req.pathLen }), { mode: 0o600 });
      await this.openssl([
        'req', '-x509', '-new', '-key', keyPath, '-sha256', '-days', String(req.days),
        '-set_serial', `0x${req.serial.toString('hex')}`, '-subj', opensslSubject(req.subject), '-utf8',
        '-config', config, '-extensions', 'ca_ext', '-out', certPath,
      ]);
      return { keyPem: await this.readText(keyPath), certPem: await this.readText(certPath) };
    });
  }

  async issueServer(req: ServerRequest): Promise<Issued & { csrPem: string }> {
    return this.inTempDir(async (tmp) => {
      const keyPath = await this.keyPath(req.key, tmp);
      const config = posix.join(tmp, 'openssl.cnf');
      const csrPath = posix.join(tmp, 'server.csr');
      const certPath = posix.join(tmp, 'server.pem');
      await this.conn.writeFile(config, opensslConfig({ sans: req.sans }), { mode: 0o600 });
      await this.openssl([
        'req', '-new', '-key', keyPath, '-sha256', '-subj', opensslSubject(req.subject), '-utf8',
        '-config', config, '-reqexts', 'csr_ext', '-out', csrPath,
      ]);
      const issued = { keyPem: await this.readText(keyPath), csrPem: await this.readText(csrPath) };
      if (!req.issueCert) return issued;
      // -set_serial rather than -CAcreateserial: nothing is written next to the CA.
      await this.openssl([
        'x509', '-req', '-in', csrPath, '-CA', req.ca.certPath, '-CAkey', req.ca.keyPath,
        '-set_serial', `0x${req.serial.toString('hex')}`, '-days', String(req.days), '-sha256',
        '-extfile', config, '-extensions', 'server_ext', '-out', certPath,
      ]);
      return { ...issued, certPem: await this.readText(certPath) };
    });
  }

  /** The kept key's own path, or a new key generated in the temp dir. */
  private async keyPath(source: KeySource, tmp: string): Promise<string> {
    if ('reuse' in source) return source.reuse.path;
    const path = posix.join(tmp, 'new.key');
    await this.openssl(['genpkey', ...GENPKEY_OPTIONS[source.generate], '-out', path]);
    return path;
  }

  private async openssl(args: string[]): Promise<ExecResult> {
    const argv = ['sh', '-c', 'umask 077 && exec openssl "$@"', 'openssl', ...args];
    const result = await this.conn.exec(argv);
    if (result.code === 127) {
      throw new TaskError(`${this.conn.hostName}: openssl not found (install the openssl package), needed by backend: openssl`);
    }
    if (result.code !== 0) throw new CommandError(['openssl', ...args], result.code, result.stderr);
    return result;
  }

  private async readText(path: string): Promise<string> {
    const data = await this.conn.readFile(path);
    if (data === null) throw new TaskError(`${this.conn.hostName}: openssl wrote no ${path}`);
    return data.toString('utf8');
  }

  private async inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = (await run(this.conn, ['mktemp', '-d', '-t', 'tackle-x509.XXXXXXXX'])).stdout.trim();
    try {
      return await fn(dir);
    } finally {
      await this.conn.remove(dir, { recursive: true });
    }
  }
}
