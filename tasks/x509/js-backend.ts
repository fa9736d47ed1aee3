/** The "js" backend: keys made by node, certificates and requests built by @peculiar/x509 and signed by WebCrypto. */
import { createPrivateKey } from 'node:crypto';
import type { CaRequest, Issued, ServerRequest } from './backend.ts';
import { buildCertificate, buildCsr, caExtensions, encodeName, keyIdentifier, serverExtensions, serverRequestExtensions } from './build.ts';
import { generatePrivateKeyPem } from './keys.ts';

const DAY_MS = 86_400_000;

/** Whole seconds: what the certificate can hold. */
function validity(days: number, now = Date.now()): { notBefore: Date; notAfter: Date } {
  const start = Math.floor(now / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(start + days * DAY_MS) };
}

export async function issueCa(req: CaRequest): Promise<Issued & { certPem: string }> {
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
}

export async function issueServer(req: ServerRequest): Promise<Issued & { csrPem: string }> {
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
}
