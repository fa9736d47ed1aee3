import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import genCA from '../../tasks/x509/genCA.ts';
import signCert from '../../tasks/x509/signCert.ts';
import secret from '../../tasks/files/secret.ts';
import writeConfig from '../../tasks/files/writeConfig.ts';
import { TaskError } from '../../engine/errors.ts';
import type { Connection } from '../../engine/connection.ts';
import { CONNECTION_KINDS, openTestConnection } from '../helpers/connections.ts';
import { runTask, tempDir } from '../helpers/task-harness.ts';

const SUBJECT = { CN: 'adoption test CA' };
const modeOf = (path: string): number => lstatSync(path).mode & 0o7777;
const NOBODY = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());

function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, lstatSync(join(dir, f)).isSymbolicLink() ? 'link' : readFileSync(join(dir, f), 'base64')]));
}

function otherKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const refused = (pattern: RegExp) => (e: unknown) => e instanceof TaskError && pattern.test(e.message);

for (const kind of CONNECTION_KINDS) {
  describe(`x509 key directories and adoption over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let umask: number;
    // The host's umask too: the test's sshd inherits it.
    before(async () => {
      assert.ok(NOBODY > 0, 'user nobody exists (Debian base-passwd)');
      umask = process.umask(0);
      ({ conn, close } = await openTestConnection(kind));
    });
    after(async () => {
      process.umask(umask);
      await close?.();
    });

    test('under umask 000 genCA and signCert make key directories 0700 and their parents 0755', async () => {
      const root = tempDir();
      chmodSync(root, 0o755);
      const caDir = join(root, 'pki', 'ca');
      const tlsDir = join(root, 'srv', 'tls');
      assert.equal((await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn)).status, 'changed');
      assert.equal((await runTask(signCert, { caDir, dir: tlsDir, sans: ['DNS:web.example.com'], keyType: 'ec-p256', owner: 'nobody' }, conn)).status, 'changed');
      assert.equal(modeOf(join(root, 'pki')), 0o755);
      assert.equal(modeOf(caDir), 0o700);
      assert.equal(modeOf(join(root, 'srv')), 0o755);
      assert.equal(modeOf(tlsDir), 0o700);
      assert.equal(statSync(tlsDir).uid, NOBODY, 'the key directory belongs to the key owner, who must read it');
      assert.equal(modeOf(join(caDir, 'rootCA.key')), 0o600);
      assert.equal(modeOf(join(caDir, 'rootCA.pem')), 0o644);
      assert.equal(modeOf(join(tlsDir, 'ssl.key')), 0o600);
      assert.equal(modeOf(join(tlsDir, 'ssl.cert')), 0o644);
    });

    test('under umask 000 the directories secret and writeConfig create get explicit modes too', async () => {
      const root = tempDir();
      await runTask(secret, { path: join(root, 'a', 'secrets', 'token'), mode: '0600', bytes: 32, encoding: 'alnum' }, conn);
      await runTask(writeConfig, { path: join(root, 'b', 'conf', 'app.yaml'), content: { port: 80 }, createDirs: true }, conn);
      assert.equal(modeOf(join(root, 'a')), 0o755);
      assert.equal(modeOf(join(root, 'a', 'secrets')), 0o700);
      assert.equal(modeOf(join(root, 'b')), 0o755);
      assert.equal(modeOf(join(root, 'b', 'conf')), 0o755);
    });

    test('a symlink at a key path is refused, not followed: the target is neither read nor copied', async () => {
      const root = tempDir();
      const victim = join(root, 'root-only.key');
      writeFileSync(victim, otherKeyPem(), { mode: 0o600 });
      const caDir = join(root, 'ca');
      await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn);
      const planted = join(root, 'planted');
      (await import('node:fs')).mkdirSync(planted, { mode: 0o755 });
      symlinkSync(victim, join(planted, 'rootCA.key'));
      const before = files(planted);
      await assert.rejects(runTask(genCA, { dir: planted, subject: SUBJECT, keyType: 'ec-p256', owner: 'nobody' }, conn), refused(/rootCA\.key is a symlink, not a regular file/));
      assert.deepEqual(files(planted), before);
      assert.equal(statSync(victim).uid, 0);

      const tls = join(root, 'tls');
      (await import('node:fs')).mkdirSync(tls, { mode: 0o755 });
      symlinkSync(victim, join(tls, 'ssl.key'));
      await assert.rejects(runTask(signCert, { caDir, dir: tls, sans: ['DNS:a.example.com'], keyType: 'ec-p256' }, conn), refused(/ssl\.key is a symlink/));
      const linkedCa = join(root, 'linked-ca');
      (await import('node:fs')).mkdirSync(linkedCa, { mode: 0o755 });
      symlinkSync(join(caDir, 'rootCA.key'), join(linkedCa, 'rootCA.key'));
      writeFileSync(join(linkedCa, 'rootCA.pem'), readFileSync(join(caDir, 'rootCA.pem')));
      await assert.rejects(runTask(signCert, { caDir: linkedCa, dir: join(root, 'tls2'), sans: ['DNS:a.example.com'] }, conn), refused(/linked-ca\/rootCA\.key is a symlink/));
    });

    test('a CA swapped in by another user is reported, not adopted, and nothing is overwritten', async () => {
      const root = tempDir();
      const caDir = join(root, 'ca');
      await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn);
      // What a local user with write access to the directory did: their own CA, owned by them.
      const theirs = join(root, 'theirs');
      await runTask(genCA, { dir: theirs, subject: SUBJECT, keyType: 'ec-p256', owner: 'nobody' }, conn);
      for (const f of ['rootCA.key', 'rootCA.pem']) writeFileSync(join(caDir, f), readFileSync(join(theirs, f)));
      for (const f of ['rootCA.key', 'rootCA.pem']) chownSync(join(caDir, f), NOBODY, 0);
      const before = files(caDir);
      await assert.rejects(
        runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn),
        refused(new RegExp(`rootCA\\.key is owned by uid ${NOBODY}, neither root, the connecting user nor the task's owner.*not adopted`)),
      );
      assert.deepEqual(files(caDir), before);
      // The same CA is adopted when the task says it belongs to that user.
      assert.equal((await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256', owner: 'nobody' }, conn)).status, 'ok');
    });

    test('a key or CA certificate writable by others is reported, not adopted; one only readable by others is narrowed', async () => {
      const root = tempDir();
      const caDir = join(root, 'ca');
      await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn);
      chmodSync(join(caDir, 'rootCA.pem'), 0o666);
      await assert.rejects(runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn), refused(/rootCA\.pem is writable by every user \(mode 0666\)/));
      await assert.rejects(runTask(signCert, { caDir, dir: join(root, 'tls'), sans: ['DNS:a.example.com'] }, conn), refused(/rootCA\.pem is writable by others/));
      chmodSync(join(caDir, 'rootCA.pem'), 0o644);
      chmodSync(join(caDir, 'rootCA.key'), 0o660);
      await assert.rejects(runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn), refused(/rootCA\.key is writable by its group/));
      chmodSync(join(caDir, 'rootCA.key'), 0o644);
      const key = readFileSync(join(caDir, 'rootCA.key'));
      const fixed = await runTask(genCA, { dir: caDir, subject: SUBJECT, keyType: 'ec-p256' }, conn);
      assert.deepEqual(fixed.reasons, ['rootCA.key mode 0644 -> 0600']);
      assert.equal(modeOf(join(caDir, 'rootCA.key')), 0o600);
      assert.deepEqual(readFileSync(join(caDir, 'rootCA.key')), key);
    });
  });
}

describe('owner without group', () => {
  test('an existing secret gets its owner fixed when only owner is given (chown UID, not "UID:")', async () => {
    const conn = (await import('../helpers/task-harness.ts')).localConnection();
    const path = join(tempDir(), 'token');
    writeFileSync(path, 'an-existing-secret-value\n', { mode: 0o600 });
    const out = await runTask(secret, { path, owner: 'nobody', mode: '0600', bytes: 32, encoding: 'alnum' }, conn);
    assert.equal(out.status, 'changed');
    assert.equal(statSync(path).uid, NOBODY);
    assert.equal(statSync(path).gid, 0);
    assert.equal(readFileSync(path, 'utf8'), 'an-existing-secret-value\n');
  });
});
