import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import trustCA, { type TrustCAParams } from '../../../tasks/trust/trustCA.ts';
import { localConnection, runTask, tempDir } from '../../helpers/task-harness.ts';
import { TaskError } from '../../../engine/errors.ts';
import { ParamValidator } from '../../../engine/run/param-validator.ts';
import type { Connection } from '../../../engine/connection.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';

function requireProgram(program: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
  assert.ok(found, `${program} is missing: install the Debian package ${debianPackage}`);
}

const REGISTRIES = ['quay-server.example.com', 'quay-server.example.com:8443'];
let work: string;
let caPath: string;
let serverCert: string;

function makeDebianRoot(): string {
  const root = tempDir('tackle-trust-root-');
  for (const dir of ['etc/ssl/certs', 'usr/share/ca-certificates', 'etc/ca-certificates/update.d']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, 'etc/ca-certificates.conf'), '');
  return root;
}

/** What a user runs to see whether the system bundle trusts the server certificate. */
function verifies(bundle: string): { ok: boolean; output: string } {
  const r = spawnSync('openssl', ['verify', '-CAfile', bundle, serverCert], { encoding: 'utf8' });
  return { ok: r.status === 0 && r.stdout.includes(': OK'), output: r.stdout + r.stderr };
}

before(() => {
  requireProgram('openssl', 'openssl');
  requireProgram('update-ca-certificates', 'ca-certificates');
  work = tempDir('tackle-trust-pki-');
  caPath = join(work, 'rootCA.pem');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rootCA.key', '-out', 'rootCA.pem',
    '-days', '30', '-subj', '/CN=Tackle Test Root CA', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=quay-server.example.com');
  writeFileSync(join(work, 'san.ext'), 'subjectAltName=DNS:quay-server.example.com\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'rootCA.pem', '-CAkey', 'rootCA.key', '-CAcreateserial',
    '-out', 'server.cert', '-days', '30', '-extfile', 'san.ext');
  serverCert = join(work, 'server.cert');
});

for (const kind of CONNECTION_KINDS) describe(`trustCA on a Debian sysroot over ${kind}`, () => {
  let conn: Connection;
  let close: () => Promise<void>;
  let root: string;
  let params: Partial<TrustCAParams>;
  let bundle: string;
  let storeFile: string;
  after(async () => close?.());
  before(async () => {
    ({ conn, close } = await openTestConnection(kind));
    root = makeDebianRoot();
    params = { caFile: caPath, registries: REGISTRIES, sysroot: root };
    bundle = join(root, 'etc/ssl/certs/ca-certificates.crt');
    storeFile = join(root, 'usr/local/share/ca-certificates/tackle-tackle-test-root-ca.crt');
  });

  test('present: store, bundle and certs.d for podman and docker', async () => {
    const out = await runTask(trustCA, params, conn);
    assert.equal(out.status, 'changed', out.message);
    assert.match(out.message ?? '', /ran update-ca-certificates/);
    const ca = readFileSync(caPath, 'utf8');
    assert.equal(readFileSync(storeFile, 'utf8'), ca);
    assert.ok(readFileSync(bundle, 'utf8').includes(ca.trim()), 'bundle holds the CA');
    const v = verifies(bundle);
    assert.ok(v.ok, v.output);
    for (const base of ['etc/containers/certs.d', 'etc/docker/certs.d']) {
      for (const reg of REGISTRIES) {
        const file = join(root, base, reg, 'ca.crt');
        assert.equal(readFileSync(file, 'utf8'), ca, file);
        assert.equal(statSync(file).mode & 0o777, 0o644);
      }
    }
  });

  test('second run is ok and does not run update-ca-certificates', async () => {
    const mtime = statSync(bundle).mtimeMs;
    const out = await runTask(trustCA, params, conn);
    assert.equal(out.status, 'ok', out.reasons.join('; '));
    assert.equal(statSync(bundle).mtimeMs, mtime);
  });

  test('store file removed by hand: restored and bundle rebuilt', async () => {
    rmSync(storeFile);
    rmSync(bundle);
    const out = await runTask(trustCA, params, conn);
    assert.equal(out.status, 'changed');
    assert.deepEqual(out.reasons, [`${storeFile} missing`]);
    assert.ok(existsSync(storeFile));
    assert.ok(verifies(bundle).ok);
  });

  test('check mode reports and touches nothing', async () => {
    const dockerDir = join(root, 'etc/docker/certs.d', REGISTRIES[0]!);
    rmSync(dockerDir, { recursive: true });
    rmSync(storeFile);
    const mtime = statSync(bundle).mtimeMs;
    const out = await runTask(trustCA, params, conn, { check: true, diff: true });
    assert.equal(out.status, 'changed');
    assert.equal(out.reasons.length, 2, out.reasons.join('; '));
    // --diff: each file that would be written, from nothing to the CA.
    assert.deepEqual(out.diff.map((d) => d.path).sort(), [join(dockerDir, 'ca.crt'), storeFile].sort());
    for (const d of out.diff) {
      assert.equal(d.before, '');
      assert.equal(d.after.trim(), readFileSync(caPath, 'utf8').trim());
    }
    assert.ok(!existsSync(dockerDir), 'check mode created the registry dir');
    assert.ok(!existsSync(storeFile), 'check mode wrote the store file');
    assert.equal(statSync(bundle).mtimeMs, mtime);
    assert.equal((await runTask(trustCA, params, conn)).status, 'changed');
    assert.equal((await runTask(trustCA, params, conn)).status, 'ok');
  });

  test('a re-wrapped copy of the same CA counts as equal', async () => {
    const file = join(root, 'etc/containers/certs.d', REGISTRIES[0]!, 'ca.crt');
    writeFileSync(file, readFileSync(caPath, 'utf8').replace(/\n/g, '\r\n'));
    assert.equal((await runTask(trustCA, params, conn)).status, 'ok');
  });

  test('absent removes the files, the registry dirs and the trust', async () => {
    const out = await runTask(trustCA, { ...params, state: 'absent' }, conn);
    assert.equal(out.status, 'changed', out.message);
    assert.ok(!existsSync(storeFile));
    for (const base of ['etc/containers/certs.d', 'etc/docker/certs.d']) {
      for (const reg of REGISTRIES) assert.ok(!existsSync(join(root, base, reg)), `${base}/${reg} left behind`);
    }
    assert.ok(!readFileSync(bundle, 'utf8').includes('BEGIN CERTIFICATE'), 'bundle still holds a certificate');
    assert.ok(!verifies(bundle).ok, 'the server certificate still verifies');
    assert.equal((await runTask(trustCA, { ...params, state: 'absent' }, conn)).status, 'ok');
  });
});

describe('trustCA store selection', () => {
  const conn = localConnection();
  test('RHEL-like os-release: anchors path, update reported as skipped', async () => {
    const root = tempDir('tackle-trust-rhel-');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/os-release'), 'ID="someclone"\nID_LIKE="rhel fedora"\n');
    const pem = readFileSync(caPath, 'utf8');
    const out = await runTask(trustCA, { caPem: pem, name: 'rootCA', sysroot: root }, conn);
    assert.equal(out.status, 'changed');
    assert.equal(readFileSync(join(root, 'etc/pki/ca-trust/source/anchors/rootCA.pem'), 'utf8'), pem);
    // update-ca-trust does not exist on this Debian machine: the skip must say so.
    assert.match(out.message ?? '', /skipped: store update: update-ca-trust (not found|has no --output)/);
    assert.equal((await runTask(trustCA, { caPem: pem, name: 'rootCA', sysroot: root }, conn)).status, 'ok');
  });

  test('unknown OS: a TaskError naming what os-release says', async () => {
    const root = tempDir('tackle-trust-alpine-');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/os-release'), 'ID=alpine\n');
    await assert.rejects(
      runTask(trustCA, { caFile: caPath, sysroot: root }, conn),
      (e: unknown) => e instanceof TaskError && /ID="alpine"/.test(e.message),
    );
    assert.equal((await runTask(trustCA, { caFile: caPath, sysroot: root, system: false, registries: ['r.example'] }, conn)).status, 'changed');
  });

  test('a private key in caPem is refused', async () => {
    const root = makeDebianRoot();
    const pem = readFileSync(caPath, 'utf8') + readFileSync(join(work, 'rootCA.key'), 'utf8');
    await assert.rejects(runTask(trustCA, { caPem: pem, sysroot: root }, conn), /private key/);
  });

  test('check mode: a caFile an earlier task would create is "would change"', async () => {
    const root = makeDebianRoot();
    const missing = join(work, 'not-yet.pem');
    const out = await runTask(trustCA, { caFile: missing, sysroot: root }, conn, { check: true, pending: new Set([missing]) });
    assert.equal(out.status, 'changed');
  });
});

describe('trustCA parameters', () => {
  test('schema: every field described, mistakes refused', () => {
    const props = trustCA.schema['properties'] as Record<string, { description?: string }>;
    for (const [key, prop] of Object.entries(props)) assert.ok(prop.description, `${key} has no description`);
    const validator = new ParamValidator();
    assert.deepEqual(validator.validate(trustCA, { caFile: '/x/ca.pem', registries: ['quay-server.example.com:8443', '[::1]:5000'] }), []);
    assert.ok(validator.validate(trustCA, { caFile: '/x/ca.pem', caPem: 'x' }).length > 0, 'caFile and caPem together');
    assert.ok(validator.validate(trustCA, { caFile: '/x/ca.pem', registries: ['../etc'] }).length > 0, 'path in a registry');
    assert.ok(validator.validate(trustCA, { caFile: '/x/ca.pem', name: 'a/b' }).length > 0, 'slash in name');
  });
});
