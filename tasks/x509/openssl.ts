/**
 * The "openssl" backend: keys, requests and certificates are made on the target by its own
 * openssl (a FIPS host's validated module), in a private temp dir, under umask 077 so a key
 * is 0600 from its first byte. One exec per issuance (a round trip matters at 100 hosts):
 * a fixed script takes its values as positional arguments, never spliced into shell text,
 * reads the openssl configuration on stdin and prints the new PEM blocks.
 */
import type { Connection } from '../../engine/connection.ts';
import { CommandError, TaskError } from '../../engine/errors.ts';
import { pemBlocks, pemEncode } from '../shared/pem.ts';
import type { CaRequest, CertBackend, Issued, KeySource, ServerRequest } from './backend.ts';
import { opensslSubject, type Subject } from './names.ts';
import { opensslConfig } from './profiles.ts';
import { requireProgram } from '../../engine/exec-helpers.ts';

// $1 mode (ca | csr | server), $2 existing key path or "" to generate, $3 key type, $4 subject,
// $5 days, $6 serial (hex), $7 CA certificate path, $8 CA key path; stdin: openssl.cnf.
const SCRIPT = `
set -e
command -v openssl >/dev/null 2>&1 || exit 127
umask 077
t=$(mktemp -d "\${TMPDIR:-/tmp}/tackle-x509.XXXXXXXX")
trap 'rm -rf "$t"' EXIT
cat > "$t/openssl.cnf"
key=$2
if [ -z "$key" ]; then
  key="$t/new.key"
  case $3 in
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" ;;
    rsa4096) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$key" ;;
    ec-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$key" ;;
    *) echo "unknown key type $3" >&2; exit 2 ;;
  esac
  cat "$key"
fi
if [ "$1" = ca ]; then
  openssl req -x509 -new -key "$key" -sha256 -days "$5" -set_serial "0x$6" -subj "$4" -utf8 \\
    -config "$t/openssl.cnf" -extensions ca_ext -out "$t/cert.pem"
  cat "$t/cert.pem"
  exit 0
fi
openssl req -new -key "$key" -sha256 -subj "$4" -utf8 -config "$t/openssl.cnf" -reqexts csr_ext -out "$t/request.csr"
cat "$t/request.csr"
if [ "$1" = server ]; then
  # -set_serial rather than -CAcreateserial: nothing is written next to the CA.
  openssl x509 -req -in "$t/request.csr" -CA "$7" -CAkey "$8" -set_serial "0x$6" -days "$5" -sha256 \\
    -extfile "$t/openssl.cnf" -extensions server_ext -out "$t/cert.pem"
  cat "$t/cert.pem"
fi
`;

interface ScriptArgs {
  mode: 'ca' | 'csr' | 'server';
  key: KeySource;
  subject: Subject;
  days: number;
  serial: Buffer;
  caCertPath?: string;
  caKeyPath?: string;
  config: string;
}

export class OpensslBackend implements CertBackend {
  readonly name = 'openssl' as const;
  constructor(private readonly conn: Connection) {}

  async issueCa(req: CaRequest): Promise<Issued & { certPem: string }> {
    const out = await this.run({ mode: 'ca', ...req, config: opensslConfig({ pathLen: req.pathLen }) });
    return { keyPem: out.keyPem, certPem: required(out.certPem, 'certificate', this.conn) };
  }

  async issueServer(req: ServerRequest): Promise<Issued & { csrPem: string }> {
    const out = await this.run({
      mode: req.issueCert ? 'server' : 'csr',
      ...req,
      caCertPath: req.ca.certPath,
      caKeyPath: req.ca.keyPath,
      config: opensslConfig({ sans: req.sans }),
    });
    const csrPem = required(out.csrPem, 'request', this.conn);
    return { keyPem: out.keyPem, csrPem, ...(req.issueCert ? { certPem: required(out.certPem, 'certificate', this.conn) } : {}) };
  }

  private async run(args: ScriptArgs): Promise<Issued> {
    const kept = 'reuse' in args.key ? args.key.reuse : null;
    const argv = [
      'sh', '-c', SCRIPT, 'tackle-x509',
      args.mode,
      kept?.path ?? '',
      'generate' in args.key ? args.key.generate : '',
      opensslSubject(args.subject),
      String(args.days),
      args.serial.toString('hex'),
      args.caCertPath ?? '',
      args.caKeyPath ?? '',
    ];
    const result = await this.conn.exec(argv, { input: args.config });
    requireProgram(result, 'openssl (needed by backend: openssl)', this.conn.hostName, 'openssl');
    if (result.code !== 0) throw new CommandError(['openssl', `(${args.mode})`], result.code, result.stderr);
    const blocks = pemBlocks(result.stdout);
    const pem = (label: string) => {
      const block = blocks.find((b) => b.label === label);
      return block ? pemEncode(label, block.der) : undefined;
    };
    const keyPem = kept?.pem ?? pem('PRIVATE KEY');
    if (!keyPem) throw new TaskError(`${this.conn.hostName}: openssl printed no private key`);
    return { keyPem, certPem: pem('CERTIFICATE'), csrPem: pem('CERTIFICATE REQUEST') };
  }
}

function required(pem: string | undefined, what: string, conn: Connection): string {
  if (!pem) throw new TaskError(`${conn.hostName}: openssl printed no ${what}`);
  return pem;
}
