import { posix } from 'node:path';
import { TaskError } from '../../engine/errors.ts';
import { defineTask, type FileDiff } from '../../engine/task.ts';
import { backendSchema, selectBackend, type BackendName } from './backend.ts';
import { randomSerial } from './constants.ts';
import { KEY_MODE, PUBLIC_MODE, adoptionProblem, installFile, inDir, notAdopted, ownershipSchema, permissionProblems, readFileState, filesFingerprint } from './files.ts';
import { judgeExistingKey, keyTypeSchema, publicKeysEqual, type KeyType } from './keys.ts';
import { subjectDifferences, subjectSchema, type Subject } from './names.ts';
import { parseCertificateChain, type ParsedCertificate } from './parse.ts';
import { CA_KEY_USAGE } from './profiles.ts';
import { certificateDiff, expiryProblem, plannedCertificateDigest } from './summary.ts';

export interface GenCaParams {
  dir: string;
  keyFile: string;
  certFile: string;
  subject: Subject;
  keyType: KeyType;
  days: number;
  pathlen?: number;
  renewBefore: number;
  owner?: string | number;
  group?: string | number;
  backend?: BackendName;
}

/** The parameters with keyFile and certFile resolved against dir, and the ownership as one value. */
type Resolved = Omit<GenCaParams, 'dir' | 'owner' | 'group'> & { own: { owner?: string | number; group?: string | number } };

interface Plan {
  p: Resolved;
  /** The valid key on disk when it is kept. */
  keptKeyPem: string | null;
  issueCert: boolean;
  /** The certificate as checked (rewritten as is when only its mode or owner is fixed). */
  certPem: Buffer | null;
  /** Same bytes, rewritten only to fix mode or ownership. */
  rewriteKey: boolean;
  rewriteCert: boolean;
}

function resolve(params: GenCaParams): Resolved {
  const p: Resolved = {
    keyFile: inDir(params.dir, params.keyFile),
    certFile: inDir(params.dir, params.certFile),
    subject: params.subject,
    keyType: params.keyType,
    days: params.days,
    ...(params.pathlen !== undefined ? { pathlen: params.pathlen } : {}),
    renewBefore: params.renewBefore,
    own: { owner: params.owner, group: params.group },
    ...(params.backend ? { backend: params.backend } : {}),
  };
  if (!p.subject?.CN) throw new TaskError('genCA: subject.CN is required');
  if (p.days <= p.renewBefore) {
    throw new TaskError(`genCA: days (${p.days}) must exceed renewBefore (${p.renewBefore}), or every run would renew the CA`);
  }
  return p;
}

/** Why the key on disk cannot be kept, or null when it can. */
function certProblems(cert: ParsedCertificate, extraCerts: number, p: Resolved): string[] {
  const out: string[] = [];
  if (!cert.ca || !cert.basicConstraintsCritical) out.push('not a CA: basicConstraints critical CA:TRUE missing');
  if (cert.pathLen !== p.pathlen) out.push(`pathlen differs: ${cert.pathLen ?? 'none'} -> ${p.pathlen ?? 'none'}`);
  const usageMissing = CA_KEY_USAGE.filter((u) => !cert.keyUsage.includes(u));
  if (usageMissing.length) out.push(`keyUsage lacks ${usageMissing.join(', ')}`);
  const subject = subjectDifferences(cert.subject, p.subject);
  if (subject.length) out.push(`subject differs: ${subject.join(', ')}`);
  if (!cert.issuerName.equals(cert.subjectName) || !cert.x509.verify(cert.publicKey)) out.push('not self-signed');
  if (extraCerts > 0) out.push(`${extraCerts} extra certificate(s) in the file`);
  const expiry = expiryProblem(cert.notAfter, p.renewBefore);
  if (expiry) out.push(expiry);
  return out;
}

export default defineTask<GenCaParams, Plan>({
  name: 'genCA',
  summary: 'Creates a self-signed certificate authority (rootCA.key + rootCA.pem) and keeps it: renewed only when it must be.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir', 'subject'],
    properties: {
      dir: { type: 'string', pattern: '^/', description: 'Absolute path of the directory for rootCA.key and rootCA.pem (created 0700 when missing, whatever the umask).' },
      keyFile: { type: 'string', minLength: 1, default: 'rootCA.key', description: 'CA key path, relative to dir or absolute. An existing key and certificate are kept only when they are regular files (no symlink), match each other, are owned by root, the connecting user or `owner`, and only their owner can write them; otherwise the task fails and overwrites nothing.' },
      certFile: { type: 'string', minLength: 1, default: 'rootCA.pem', description: 'CA certificate path, relative to dir or absolute.' },
      subject: subjectSchema('Distinguished name of the CA; CN is required.', true),
      keyType: keyTypeSchema('rsa2048'),
      days: { type: 'integer', minimum: 1, default: 1024, description: 'Validity in days (default 1024, as in the document).' },
      pathlen: { type: 'integer', minimum: 0, description: 'basicConstraints pathlen (mirror-registry uses 1); none when omitted.' },
      renewBefore: { type: 'integer', minimum: 0, default: 30, description: 'Re-sign the CA when it expires within this many days (default 30).' },
      ...ownershipSchema,
      backend: backendSchema,
    },
  },
  outputs: (params) => {
    const p = resolve(params);
    return [p.keyFile, p.certFile];
  },

  async check(ctx) {
    const p = resolve(ctx.params);
    const [keyFile, certFile] = await Promise.all([readFileState(ctx.conn, p.keyFile), readFileState(ctx.conn, p.certFile)]);
    for (const file of [keyFile, certFile]) {
      const problem = await adoptionProblem(ctx.conn, file, p.own);
      if (problem) throw notAdopted(problem);
    }
    const { key: keptKey, problem: keyIssue } = judgeExistingKey(p.keyFile, keyFile.content, p.keyType);

    const chain = certFile.content ? parseCertificateChain(certFile.content.toString('utf8')) : null;
    const cert = chain?.[0] ?? null;
    // Which of the two is the CA cannot be told: a key swapped in is not made the CA by re-signing.
    if (keptKey && cert && !publicKeysEqual(keptKey, cert.publicKey)) {
      throw notAdopted(`${p.keyFile} does not match the CA certificate ${p.certFile}`);
    }
    const certIssues = !certFile.content
      ? [`missing: ${p.certFile}`]
      : !cert
        ? [`certificate unreadable: ${p.certFile}`]
        : certProblems(cert, chain!.length - 1, p);

    const issueCert = keyIssue !== null || certIssues.length > 0;
    const keyPerms = keptKey ? await permissionProblems(ctx.conn, keyFile, KEY_MODE, p.own) : [];
    const certPerms = issueCert ? [] : await permissionProblems(ctx.conn, certFile, PUBLIC_MODE, p.own);
    const reasons = [...(keyIssue ? [keyIssue] : []), ...certIssues, ...keyPerms, ...certPerms];

    const plan: Plan = {
      p,
      keptKeyPem: keptKey ? keyFile.content!.toString('utf8') : null,
      certPem: certFile.content,
      issueCert,
      rewriteKey: keyPerms.length > 0,
      rewriteCert: certPerms.length > 0,
    };
    const planned = { subject: p.subject, issuer: p.subject, days: p.days, keyType: p.keyType };
    const diff: FileDiff[] = ctx.diffMode && issueCert ? [certificateDiff(p.certFile, cert, planned, keptKey)] : [];
    const data = cert && !issueCert ? { certFile: p.certFile, fingerprint: cert.fingerprint, notAfter: cert.notAfter.toISOString() } : {};
    const change = plannedCertificateDigest(issueCert ? planned : null, keptKey);
    return { changed: reasons.length > 0, reasons, diff, state: plan, data, fingerprint: filesFingerprint([keyFile, certFile]), change };
  },

  async change(ctx, result) {
    const plan = result.state;
    const { p } = plan;
    const written: string[] = [];
    if (plan.issueCert) {
      const backend = await selectBackend(ctx.conn, p.backend);
      const issued = await backend.issueCa({
        key: plan.keptKeyPem ? { reuse: { path: p.keyFile, pem: plan.keptKeyPem } } : { generate: p.keyType },
        subject: p.subject,
        days: p.days,
        ...(p.pathlen !== undefined ? { pathLen: p.pathlen } : {}),
        serial: randomSerial(),
      });
      if (!plan.keptKeyPem || plan.rewriteKey) {
        await installFile(ctx.conn, p.keyFile, issued.keyPem, KEY_MODE, p.own);
        written.push(posix.basename(p.keyFile));
      }
      await installFile(ctx.conn, p.certFile, issued.certPem, PUBLIC_MODE, p.own);
      written.push(posix.basename(p.certFile));
      const cert = parseCertificateChain(issued.certPem)![0]!;
      return {
        message: `${plan.keptKeyPem ? 'CA re-signed with its existing key' : 'new CA'} (${backend.name}): wrote ${written.join(', ')}`,
        data: { certFile: p.certFile, fingerprint: cert.fingerprint, notAfter: cert.notAfter.toISOString() },
      };
    }
    if (plan.rewriteKey) {
      await installFile(ctx.conn, p.keyFile, plan.keptKeyPem!, KEY_MODE, p.own);
      written.push(posix.basename(p.keyFile));
    }
    if (plan.rewriteCert && plan.certPem) {
      await installFile(ctx.conn, p.certFile, plan.certPem, PUBLIC_MODE, p.own);
      written.push(posix.basename(p.certFile));
    }
    return { message: `fixed mode/ownership of ${written.join(', ')}` };
  },
});
