import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BenchError } from './checks.ts';

/** Files only Ansible leaves behind: openssl_csr needs the CA's signing request on disk. */
const ANSIBLE_ONLY = new Set(['srv/quay/pki/rootCA.csr']);
const UNITS = ['redis', 'postgresql-quay', 'quay', 'postgresql-clairv4', 'clairv4'].map((n) => `container-${n}.service`);
const YAML_FILES = ['srv/quay/config/config.yaml', 'etc/clairv4/config/config.yaml'];
const REGISTRY_CA = 'etc/containers/certs.d/quay-server.example.com/ca.crt';

/** What the workload must leave under every host's root. */
export const EXPECTED_FILES: readonly string[] = [
  'srv/quay/storage/',
  'srv/quay/postgres-quay/',
  'srv/quay/postgres-clairv4/',
  'srv/quay/pki/rootCA.key',
  'srv/quay/pki/rootCA.pem',
  'srv/quay/config/ssl.key',
  'srv/quay/config/ssl.csr',
  'srv/quay/config/ssl.cert',
  ...YAML_FILES,
  REGISTRY_CA,
  ...UNITS.map((u) => `etc/systemd/system/${u}`),
  ...UNITS.flatMap((u) => ['multi-user', 'default'].map((t) => `etc/systemd/system/${t}.target.wants/${u}`)),
];

/** Path -> "type mode [link target]" for everything under root. */
function listTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(path, `link -> ${readlinkSync(join(root, path))}`);
      else if (st.isDirectory()) {
        out.set(`${path}/`, `dir ${mode}`);
        walk(path);
      } else out.set(path, `file ${mode}`);
    }
  };
  walk('');
  return out;
}

/** Subject, issuer and the extensions a user checks, as openssl prints them, in a fixed order. */
function opensslFields(certFile: string): Record<string, string> {
  const r = spawnSync('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-issuer', '-ext', 'basicConstraints,keyUsage,extendedKeyUsage,subjectAltName'], {
    encoding: 'utf8',
  });
  if (r.error) throw new BenchError('openssl not found: install the Debian package openssl');
  if (r.status !== 0) throw new BenchError(`openssl x509 ${certFile}: ${r.stderr}`);
  const fields: Record<string, string> = {};
  let current = '';
  for (const line of r.stdout.split('\n')) {
    const name = /^(subject|issuer)=(.*)$/.exec(line);
    if (name) fields[name[1]!] = name[2]!.trim();
    else if (/^\S/.test(line)) fields[(current = line.trim())] = '';
    else if (current && line.trim()) fields[current] = `${fields[current]}${line.trim()}`;
  }
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));
}

/** The properties a user checks of the CA and the server certificate, comparable across tools. */
function pkiSummary(root: string): Record<string, unknown> {
  const read = (rel: string) => readFileSync(join(root, rel));
  const ca = new X509Certificate(read('srv/quay/pki/rootCA.pem'));
  const leaf = new X509Certificate(read('srv/quay/config/ssl.cert'));
  const days = (c: X509Certificate) => Math.round((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86_400_000);
  const bits = (c: X509Certificate) => c.publicKey.asymmetricKeyDetails?.modulusLength;
  return {
    ca: { fields: opensslFields(join(root, 'srv/quay/pki/rootCA.pem')), days: days(ca), bits: bits(ca), ca: ca.ca },
    leaf: { fields: opensslFields(join(root, 'srv/quay/config/ssl.cert')), days: days(leaf), bits: bits(leaf), ca: leaf.ca },
    caKeyMatches: ca.checkPrivateKey(createPrivateKey(read('srv/quay/pki/rootCA.key'))),
    leafKeyMatches: leaf.checkPrivateKey(createPrivateKey(read('srv/quay/config/ssl.key'))),
    leafSignedByCa: leaf.verify(ca.publicKey),
    registryTrustsCa: read(REGISTRY_CA).equals(read('srv/quay/pki/rootCA.pem')),
  };
}

/** Problems with one host's root on its own: missing files, broken PKI. */
export function layoutProblems(root: string): string[] {
  const tree = listTree(root);
  const problems = EXPECTED_FILES.filter((f) => !tree.has(f)).map((f) => `${root}: ${f} missing`);
  if (problems.length) return problems;
  const pki = pkiSummary(root);
  for (const key of ['caKeyMatches', 'leafKeyMatches', 'leafSignedByCa', 'registryTrustsCa'] as const) {
    if (pki[key] !== true) problems.push(`${root}: ${key} is false`);
  }
  return problems;
}

/**
 * Both tools left the same result: same paths, types, modes and link targets; unit files
 * byte for byte (the host's root swapped out); YAML configs equal as values; certificates
 * with the same subjects, extensions, lifetimes and key sizes.
 */
export function compareRoots(tackleRoot: string, ansibleRoot: string): string[] {
  const problems = [...layoutProblems(tackleRoot), ...layoutProblems(ansibleRoot)];
  if (problems.length) return problems;
  const t = listTree(tackleRoot);
  const a = listTree(ansibleRoot);
  for (const path of new Set([...t.keys(), ...a.keys()])) {
    if (ANSIBLE_ONLY.has(path)) continue;
    if (t.get(path) !== a.get(path)) problems.push(`${path}: tackle ${t.get(path) ?? 'absent'}, ansible ${a.get(path) ?? 'absent'}`);
  }
  for (const unit of UNITS) {
    const rel = `etc/systemd/system/${unit}`;
    const tu = readFileSync(join(tackleRoot, rel), 'utf8').replaceAll(tackleRoot, 'ROOT');
    const au = readFileSync(join(ansibleRoot, rel), 'utf8').replaceAll(ansibleRoot, 'ROOT');
    if (tu !== au) problems.push(`${rel}: unit files differ`);
  }
  for (const rel of YAML_FILES) {
    const tv: unknown = parseYaml(readFileSync(join(tackleRoot, rel), 'utf8'));
    const av: unknown = parseYaml(readFileSync(join(ansibleRoot, rel), 'utf8'));
    if (!isDeepStrictEqual(tv, av)) problems.push(`${rel}: values differ`);
  }
  const tp = pkiSummary(tackleRoot);
  const ap = pkiSummary(ansibleRoot);
  for (const key of Object.keys(tp)) {
    if (!isDeepStrictEqual(tp[key], ap[key])) problems.push(`PKI ${key}: tackle ${JSON.stringify(tp[key])}, ansible ${JSON.stringify(ap[key])}`);
  }
  return problems;
}
