import { posix } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Connection } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult, type FileDiff } from '../../engine/task.ts';
import { pemEncode } from '../shared/pem.ts';
import { backendSchema, selectBackend, type BackendName } from './backend.ts';
import { OID, randomSerial } from './constants.ts';
import { KEY_MODE, PUBLIC_MODE, adoptionProblem, inDir, installFile, notAdopted, ownershipSchema, permissionProblems, readFileState, filesFingerprint, type FileState } from './files.ts';
import { judgeExistingKey, keyTypeSchema, parsePrivateKey, publicKeysEqual, type KeyType } from './keys.ts';
import { subjectDifferences, subjectSchema, type Subject } from './names.ts';
import { parseCertificateChain, parseCsr, type ParsedCertificate } from './parse.ts';
import { SERVER_KEY_USAGE } from './profiles.ts';
import { normalizeSan, sanDifferences, sansSchema, sanText, uniqueSans, type San, type SanParam } from './sans.ts';
import { certificateDiff, expiryProblem, plannedCertificateDigest } from './summary.ts';

export interface SignCertParams {
  caDir?: string;
  caKeyFile?: string;
  caCertFile?: string;
  dir: string;
  keyFile: string;
  csrFile: string;
  certFile: string;
  subject?: Subject;
  sans?: SanParam[];
  days: number;
  keyType: KeyType;
  renewBefore: number;
  includeChain: boolean;
  owner?: string | number;
  group?: string | number;
  backend?: BackendName;
}

interface Resolved {
  caKeyFile: string;
  caCertFile: string;
  keyFile: string;
  csrFile: string;
  certFile: string;
  subject: Subject;
  sans: San[];
  days: number;
  keyType: KeyType;
  renewBefore: number;
  includeChain: boolean;
  own: { owner?: string | number; group?: string | number };
  backend?: BackendName;
}

interface Ca {
  keyPem: string;
  cert: ParsedCertificate;
}

interface Plan {
  p: Resolved;
  ca: Ca;
  keptKeyPem: string | null;
  issueCert: boolean;
  issueCsr: boolean;
  /** The leaf stays; only the file's chain part (CA appended or not) changes. */
  rewriteChainWith: ParsedCertificate | null;
  /** Files kept as they are but rewritten (same bytes) to fix mode or ownership. */
  fixPerms: { path: string; mode: number; content: Buffer }[];
}

function resolve(params: SignCertParams): Resolved {
  const caDir = params.caDir;
  const caKeyFile = params.caKeyFile ?? (caDir ? posix.join(caDir, 'rootCA.key') : undefined);
  const caCertFile = params.caCertFile ?? (caDir ? posix.join(caDir, 'rootCA.pem') : undefined);
  if (!caKeyFile || !caCertFile) throw new TaskError('signCert: give caDir, or caKeyFile and caCertFile');
  const sans = uniqueSans((params.sans ?? []).map(normalizeSan));
  const subject = params.subject ?? (sans[0]?.type === 'DNS' ? { CN: sans[0].value } : undefined);
  if (!subject) throw new TaskError('signCert: give a subject, or sans starting with a DNS name');
  if (sans.length === 0 && subject.CN) sans.push(normalizeSan({ dns: subject.CN }));
  const p: Resolved = {
    caKeyFile,
    caCertFile,
    keyFile: inDir(params.dir, params.keyFile),
    csrFile: inDir(params.dir, params.csrFile),
    certFile: inDir(params.dir, params.certFile),
    subject,
    sans,
    days: params.days,
    keyType: params.keyType,
    renewBefore: params.renewBefore,
    includeChain: params.includeChain,
    own: { owner: params.owner, group: params.group },
    ...(params.backend ? { backend: params.backend } : {}),
  };
  if (p.days <= p.renewBefore) {
    throw new TaskError(`signCert: days (${p.days}) must exceed renewBefore (${p.renewBefore}), or every run would renew the certificate`);
  }
  return p;
}

/** The CA on disk, or why it cannot sign: `missing` distinguishes "not there yet" from "broken". */
async function loadCa(conn: Connection, p: Resolved): Promise<Ca | { missing: boolean; problem: string }> {
  const [keyFile, certFile] = await Promise.all([readFileState(conn, p.caKeyFile), readFileState(conn, p.caCertFile)]);
  const [keyPem, certPem] = [keyFile.content, certFile.content];
  if (!certPem) return { missing: true, problem: `CA certificate not found: ${p.caCertFile}` };
  if (!keyPem) return { missing: true, problem: `CA key not found: ${p.caKeyFile}` };
  for (const file of [keyFile, certFile]) {
    // Whoever could write either could sign with a CA of their own.
    if (file.info && file.info.mode & 0o022) return { missing: false, problem: `${file.path} is writable by others (mode 0${(file.info.mode & 0o777).toString(8)}): not signing with a CA someone else may have replaced` };
  }
  const cert = parseCertificateChain(certPem.toString('utf8'))?.[0];
  if (!cert) return { missing: false, problem: `CA certificate unreadable: ${p.caCertFile}` };
  const key = parsePrivateKey(keyPem);
  if (!key) return { missing: false, problem: `CA key unreadable: ${p.caKeyFile}` };
  if (!publicKeysEqual(key, cert.publicKey)) {
    return { missing: false, problem: `CA key ${p.caKeyFile} does not match CA certificate ${p.caCertFile}` };
  }
  if (!cert.ca) return { missing: false, problem: `not a CA certificate (no CA:TRUE): ${p.caCertFile}` };
  return { keyPem: keyPem.toString('utf8'), cert };
}

function leafProblems(leaf: ParsedCertificate, ca: ParsedCertificate, key: KeyObject | null, p: Resolved): string[] {
  const out: string[] = [];
  if (!leaf.issuerName.equals(ca.subjectName) || !leaf.x509.verify(ca.publicKey)) out.push(`not signed by the CA at ${p.caCertFile}`);
  if (key && !publicKeysEqual(key, leaf.publicKey)) out.push('key does not match certificate');
  const subject = subjectDifferences(leaf.subject, p.subject);
  if (subject.length) out.push(`subject differs: ${subject.join(', ')}`);
  const sans = sanDifferences(leaf.sans, p.sans);
  if (sans) out.push(`SANs differ: ${sans}`);
  if (leaf.ca) out.push('is a CA certificate (CA:TRUE)');
  if (!leaf.extKeyUsage.includes(OID.serverAuth)) out.push('extendedKeyUsage lacks serverAuth');
  const usage = SERVER_KEY_USAGE.filter((u) => !leaf.keyUsage.includes(u));
  if (usage.length) out.push(`keyUsage lacks ${usage.join(', ')}`);
  const expiry = expiryProblem(leaf.notAfter, p.renewBefore);
  if (expiry) out.push(expiry);
  return out;
}

async function csrProblem(file: FileState, key: KeyObject, p: Resolved): Promise<string | null> {
  if (!file.content) return `missing: ${file.path}`;
  const csr = await parseCsr(file.content.toString('utf8'));
  if (!csr || !csr.signatureValid) return `CSR unreadable or badly signed: ${file.path}`;
  if (!publicKeysEqual(csr.publicKey, key)) return 'CSR is for another key';
  const subject = subjectDifferences(csr.subject, p.subject);
  if (subject.length) return `CSR subject differs: ${subject.join(', ')}`;
  const sans = sanDifferences(csr.sans, p.sans);
  return sans ? `CSR SANs differ: ${sans}` : null;
}

function chainFile(leaf: ParsedCertificate | string, ca: ParsedCertificate, includeChain: boolean): string {
  const leafPem = typeof leaf === 'string' ? leaf : pemEncode('CERTIFICATE', leaf.der);
  return includeChain ? leafPem + pemEncode('CERTIFICATE', ca.der) : leafPem;
}

function certSummary(leaf: ParsedCertificate): Record<string, unknown> {
  return { fingerprint: leaf.fingerprint, notAfter: leaf.notAfter.toISOString(), sans: leaf.sans };
}

/** No plan only in --check, when an input is still to come; change() never runs then. */
type SignPlan = Plan | undefined;

export default defineTask<SignCertParams, SignPlan>({
  name: 'signCert',
  summary: 'Creates a server key, CSR and certificate signed by a CA (ssl.key, ssl.csr, ssl.cert); re-issued only when it must be.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    anyOf: [{ required: ['caDir'] }, { required: ['caKeyFile', 'caCertFile'] }],
    properties: {
      caDir: { type: 'string', pattern: '^/', description: 'Absolute path of the directory holding the CA as genCA writes it (rootCA.key, rootCA.pem). The CA files must be regular files (no symlink) that only their owner can write, and match each other.' },
      caKeyFile: { type: 'string', pattern: '^/', description: 'Absolute CA key path; default caDir/rootCA.key.' },
      caCertFile: { type: 'string', pattern: '^/', description: 'Absolute CA certificate path; default caDir/rootCA.pem.' },
      dir: { type: 'string', pattern: '^/', description: 'Absolute path of the directory for the server key, CSR and certificate (created 0700 and owned by `owner` when missing, whatever the umask).' },
      keyFile: { type: 'string', minLength: 1, default: 'ssl.key', description: 'Server key file, relative to dir or absolute. An existing key is kept only when it is a regular file (no symlink) owned by root, the connecting user or `owner` that only its owner can write; otherwise the task fails and overwrites nothing.' },
      csrFile: { type: 'string', minLength: 1, default: 'ssl.csr', description: 'Signing request file, relative to dir or absolute.' },
      certFile: { type: 'string', minLength: 1, default: 'ssl.cert', description: 'Certificate file, relative to dir or absolute.' },
      subject: subjectSchema('Distinguished name of the server; default CN = the first DNS SAN.', false),
      sans: { ...sansSchema, description: `${String(sansSchema.description)} Default: DNS:<subject CN>.` },
      days: { type: 'integer', minimum: 1, default: 356, description: 'Validity in days (default 356, as in the document).' },
      keyType: keyTypeSchema('rsa2048'),
      renewBefore: { type: 'integer', minimum: 0, default: 30, description: 'Re-issue when the certificate expires within this many days (default 30).' },
      includeChain: {
        type: 'boolean',
        default: false,
        description: 'Write the CA certificate after the leaf in the certificate file (as mirror-registry does).',
      },
      ...ownershipSchema,
      backend: backendSchema,
    },
  },
  inputs: (params) => {
    const p = resolve(params);
    return [p.caKeyFile, p.caCertFile];
  },
  outputs: (params) => {
    const p = resolve(params);
    return [p.keyFile, p.csrFile, p.certFile];
  },

  async check(ctx): Promise<CheckResult<SignPlan>> {
    const p = resolve(ctx.params);
    if (ctx.checkMode && (ctx.pendingChange(p.caCertFile) || ctx.pendingChange(p.caKeyFile))) {
      return { changed: true, reasons: [`would change: CA at ${p.caCertFile} would be created/replaced by an earlier task`] };
    }
    const ca = await loadCa(ctx.conn, p);
    if ('problem' in ca) {
      if (ctx.checkMode && ca.missing) return { changed: true, reasons: [`would change: ${ca.problem} (not created yet)`] };
      throw new TaskError(ca.problem);
    }

    const [keyFile, csrFile, certFile] = await Promise.all([p.keyFile, p.csrFile, p.certFile].map((f) => readFileState(ctx.conn, f)));
    const keyAdoption = await adoptionProblem(ctx.conn, keyFile!, p.own);
    if (keyAdoption) throw notAdopted(keyAdoption);
    const { key: keptKey, problem: keyIssue } = judgeExistingKey(p.keyFile, keyFile!.content, p.keyType);

    const chain = certFile!.content ? parseCertificateChain(certFile!.content.toString('utf8')) : null;
    const leaf = chain?.[0] ?? null;
    const leafIssues = !certFile!.content ? [`missing: ${p.certFile}`] : !leaf ? [`certificate unreadable: ${p.certFile}`] : leafProblems(leaf, ca.cert, keptKey, p);
    const issueCert = keyIssue !== null || leafIssues.length > 0;

    const wantedChain = p.includeChain ? [leaf?.der, ca.cert.der] : [leaf?.der];
    const chainOk = chain !== null && chain.length === wantedChain.length && chain.every((c, i) => c.der.equals(wantedChain[i]!));
    const chainIssue = !issueCert && !chainOk ? (p.includeChain ? 'chain differs: want leaf + CA certificate' : 'chain differs: want the leaf only') : null;

    const csrIssue = issueCert ? null : await csrProblem(csrFile!, keptKey!, p);
    const issueCsr = issueCert || csrIssue !== null;

    const permChecks: [FileState, number, boolean][] = [
      [keyFile!, KEY_MODE, keptKey !== null],
      [csrFile!, PUBLIC_MODE, !issueCsr],
      [certFile!, PUBLIC_MODE, !issueCert && !chainIssue],
    ];
    const fixPerms: Plan['fixPerms'] = [];
    const perms: string[] = [];
    for (const [file, mode, kept] of permChecks) {
      const problems = kept ? await permissionProblems(ctx.conn, file, mode, p.own) : [];
      if (problems.length && file.content) fixPerms.push({ path: file.path, mode, content: file.content });
      perms.push(...problems);
    }
    const reasons = [...(keyIssue ? [keyIssue] : []), ...leafIssues, ...(chainIssue ? [chainIssue] : []), ...(csrIssue ? [csrIssue] : []), ...perms];
    const plan: Plan = {
      p,
      ca,
      keptKeyPem: keptKey ? keyFile!.content!.toString('utf8') : null,
      issueCert,
      issueCsr,
      rewriteChainWith: chainIssue ? leaf : null,
      fixPerms,
    };
    const planned = { subject: p.subject, issuer: ca.cert.subject, sans: p.sans.map(sanText), days: p.days, keyType: p.keyType };
    const diff: FileDiff[] = ctx.diffMode && issueCert ? [certificateDiff(p.certFile, leaf, planned, keptKey)] : [];
    const data = leaf && !issueCert ? { certFile: p.certFile, ...certSummary(leaf) } : {};
    const fingerprint = { ...filesFingerprint([keyFile!, csrFile!, certFile!]), [`CA ${p.caCertFile}`]: ca.cert.fingerprint };
    const change = plannedCertificateDigest(issueCert ? planned : null, keptKey);
    return { changed: reasons.length > 0, reasons, diff, state: plan, data, fingerprint, change };
  },

  async change(ctx, result) {
    const plan = result.state;
    if (!plan) throw new TaskError('signCert: check() made no plan, so there is nothing to change');
    const { p, ca } = plan;
    const written: string[] = [];
    const write = async (path: string, data: string | Buffer, mode: number) => {
      await installFile(ctx.conn, path, data, mode, p.own);
      written.push(posix.basename(path));
    };
    let leaf: ParsedCertificate | null = plan.rewriteChainWith;
    if (plan.issueCsr) {
      const backend = await selectBackend(ctx.conn, p.backend);
      const issued = await backend.issueServer({
        key: plan.keptKeyPem ? { reuse: { path: p.keyFile, pem: plan.keptKeyPem } } : { generate: p.keyType },
        ca: { keyPath: p.caKeyFile, keyPem: ca.keyPem, certPath: p.caCertFile, cert: ca.cert },
        subject: p.subject,
        sans: p.sans,
        days: p.days,
        serial: randomSerial(),
        issueCert: plan.issueCert,
      });
      if (!plan.keptKeyPem) await write(p.keyFile, issued.keyPem, KEY_MODE);
      await write(p.csrFile, issued.csrPem, PUBLIC_MODE);
      if (issued.certPem) leaf = parseCertificateChain(issued.certPem)![0]!;
    }
    if (leaf) await write(p.certFile, chainFile(leaf, ca.cert, p.includeChain), PUBLIC_MODE);
    // The bytes that were checked, not whatever is at the path now.
    for (const { path, mode, content } of plan.fixPerms) await write(path, content, mode);
    return {
      message: `wrote ${written.join(', ')}`,
      ...(leaf ? { data: { certFile: p.certFile, ...certSummary(leaf) } } : {}),
    };
  },
});
