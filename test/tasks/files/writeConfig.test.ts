import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { Connection } from '../../../engine/connection.ts';
import writeConfig from '../../../tasks/files/writeConfig.ts';
import { renderDiff } from '../../../engine/report/diff.ts';
import { runTask, tempDir } from '../../helpers/task-harness.ts';
import { CONNECTION_KINDS, openTestConnection } from '../../helpers/connections.ts';

const QUAY_CONFIG = `# Quay configuration (3.2.2)
SERVER_HOSTNAME: "quay-server.example.com" # public name
SETUP_COMPLETE: true
# hand-added, not managed by tackle
FOO: bar # mine
DISTRIBUTED_STORAGE_CONFIG:
  default:
    - LocalStorage
    - storage_path: /datastorage/registry
`;

const SCANNER = {
  SERVER_HOSTNAME: 'quay-server.example.com',
  PREFERRED_URL_SCHEME: 'https',
  SUPER_USERS: ['quayadmin'],
  FEATURE_SECURITY_SCANNER: true,
  SECURITY_SCANNER_V4_ENDPOINT: 'http://quay-server.example.com:8081',
  SECURITY_SCANNER_V4_PSK: 'MTU5YzA4Y2ZkNzJoMQ==',
};

const CLAIR = {
  http_listen_addr: ':8081',
  introspection_addr: ':8089',
  log_level: 'debug',
  auth: { psk: { key: 'MTU5YzA4Y2ZkNzJoMQ==', iss: ['quay'] } },
  matcher: { run: '', migrations: true },
};

/** The --diff output, applied by the real `patch`, turns before into after. */
function assertPatchApplies(dir: string, before: string, after: string): void {
  const diff = renderDiff({ path: 'config.yaml', before, after });
  assert.match(diff, /^\+SECURITY_SCANNER_V4_PSK: MTU5YzA4Y2ZkNzJoMQ==$/m);
  assert.doesNotMatch(diff, /^-(?!--)/m, 'the merge only adds lines');
  const original = join(dir, 'patch-before');
  const result = join(dir, 'patch-after');
  writeFileSync(original, before);
  const r = spawnSync('patch', ['-s', '-o', result, original], { input: diff, encoding: 'utf8' });
  if (r.error) throw new Error('patch not found: install the Debian package patch');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(readFileSync(result, 'utf8'), after);
}

const modeOf = (path: string) => statSync(path).mode & 0o7777;

for (const kind of CONNECTION_KINDS) {
  describe(`writeConfig over ${kind}`, () => {
    let conn: Connection;
    let close: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ conn, close } = await openTestConnection(kind));
      dir = tempDir();
    });
    after(async () => close());

    test('writes YAML content once, then reports ok; hand edits and mode drift are corrected', async () => {
      const path = join(dir, 'clair.yaml');
      const params = { path, content: CLAIR, mode: '0640' };
      const first = await runTask(writeConfig, params, conn);
      assert.equal(first.status, 'changed');
      assert.deepEqual(parse(readFileSync(path, 'utf8')), CLAIR);
      assert.equal(modeOf(path), 0o640);

      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');

      writeFileSync(path, readFileSync(path, 'utf8').replace('debug', 'info'));
      const drift = await runTask(writeConfig, params, conn);
      assert.equal(drift.status, 'changed');
      assert.deepEqual(drift.reasons, ['content differs']);
      assert.deepEqual(parse(readFileSync(path, 'utf8')), CLAIR);

      chmodSync(path, 0o666);
      const before = readFileSync(path);
      const mtime = statSync(path).mtimeMs;
      const modeDrift = await runTask(writeConfig, params, conn);
      assert.equal(modeDrift.status, 'changed');
      assert.deepEqual(modeDrift.reasons, ['mode 0666, want 0640']);
      assert.equal(modeOf(path), 0o640);
      assert.deepEqual(readFileSync(path), before, 'only the mode is fixed');
      assert.equal(statSync(path).mtimeMs, mtime, 'content not rewritten');
      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');
    });

    test('check mode reports the change with a diff and touches nothing', async () => {
      const path = join(dir, 'check.yaml');
      const missing = await runTask(writeConfig, { path, content: CLAIR }, conn, { check: true, diff: true });
      assert.equal(missing.status, 'changed');
      assert.equal(existsSync(path), false);
      assert.equal(missing.diff[0]?.path, path);
      assert.equal(missing.diff[0]?.before, '');
      assert.deepEqual(parse(missing.diff[0]!.after), CLAIR);

      writeFileSync(path, 'log_level: info\n');
      chmodSync(path, 0o600);
      const mtime = statSync(path).mtimeMs;
      const differs = await runTask(writeConfig, { path, content: CLAIR }, conn, { check: true, diff: true });
      assert.equal(differs.status, 'changed');
      assert.deepEqual(differs.reasons, ['content differs', 'mode 0600, want 0644']);
      assert.equal(differs.diff[0]?.before, 'log_level: info\n');
      assert.equal(readFileSync(path, 'utf8'), 'log_level: info\n');
      assert.equal(statSync(path).mtimeMs, mtime);
      assert.equal(modeOf(path), 0o600);
    });

    test('merge keeps hand-added keys and comments, adds the scanner keys, then is unchanged', async () => {
      const path = join(dir, 'config.yaml');
      writeFileSync(path, QUAY_CONFIG);
      const params = { path, content: SCANNER, merge: true, mode: '0640' };
      const first = await runTask(writeConfig, params, conn, { diff: true });
      assert.equal(first.status, 'changed');
      const text = readFileSync(path, 'utf8');
      assert.match(text, /^FOO: bar # mine$/m);
      assert.match(text, /^# hand-added, not managed by tackle$/m);
      assert.match(text, /^# Quay configuration \(3\.2\.2\)$/m);
      assert.match(text, /^SERVER_HOSTNAME: "quay-server\.example\.com" # public name$/m, 'an equal value is left as written');
      const value = parse(text) as Record<string, unknown>;
      assert.deepEqual(value['SUPER_USERS'], ['quayadmin']);
      assert.equal(value['FEATURE_SECURITY_SCANNER'], true);
      assert.equal(value['SECURITY_SCANNER_V4_ENDPOINT'], 'http://quay-server.example.com:8081');
      assert.equal(value['SECURITY_SCANNER_V4_PSK'], 'MTU5YzA4Y2ZkNzJoMQ==');
      assert.equal(value['SERVER_HOSTNAME'], 'quay-server.example.com');
      assert.equal(value['PREFERRED_URL_SCHEME'], 'https');
      assert.deepEqual(value['DISTRIBUTED_STORAGE_CONFIG'], { default: ['LocalStorage', { storage_path: '/datastorage/registry' }] });
      assert.equal(first.diff[0]?.before, QUAY_CONFIG);
      assert.equal(first.diff[0]?.after, text);
      assertPatchApplies(dir, QUAY_CONFIG, text);

      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');

      // Re-ordering keys and changing quotes by hand changes no value.
      const reordered = text
        .replace(/^SETUP_COMPLETE: true\n/m, '')
        .replace('SECURITY_SCANNER_V4_PSK: MTU5YzA4Y2ZkNzJoMQ==', "SECURITY_SCANNER_V4_PSK: 'MTU5YzA4Y2ZkNzJoMQ=='")
        .concat('SETUP_COMPLETE: true\n');
      assert.notEqual(reordered, text);
      writeFileSync(path, reordered);
      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');
      assert.equal(readFileSync(path, 'utf8'), reordered);

      // A changed value in a nested map: only that key is set, siblings stay.
      const nested = { path, merge: true, mode: '0640', content: { DISTRIBUTED_STORAGE_CONFIG: { extra: ['S3Storage'] } } };
      assert.equal((await runTask(writeConfig, nested, conn)).status, 'changed');
      const merged = parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(merged['DISTRIBUTED_STORAGE_CONFIG']!), ['default', 'extra']);
      assert.match(readFileSync(path, 'utf8'), /^FOO: bar # mine$/m);
    });

    test('merge into a missing file creates it from content', async () => {
      const path = join(dir, 'fresh.yaml');
      const params = { path, content: SCANNER, merge: true };
      assert.equal((await runTask(writeConfig, params, conn)).status, 'changed');
      assert.deepEqual(parse(readFileSync(path, 'utf8')), SCANNER);
      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');
    });

    test('text is compared byte for byte; backup keeps the previous content', async () => {
      const path = join(dir, 'notes.txt');
      writeFileSync(path, 'old\n');
      const params = { path, text: 'new\n', backup: true };
      const first = await runTask(writeConfig, params, conn);
      assert.equal(first.status, 'changed');
      assert.equal(readFileSync(path, 'utf8'), 'new\n');
      const backups = readdirSync(dir).filter((f) => /^notes\.txt\.\d{8}T\d{6}~$/.test(f));
      assert.equal(backups.length, 1);
      assert.equal(readFileSync(join(dir, backups[0]!), 'utf8'), 'old\n');

      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok');
      writeFileSync(path, 'new');
      assert.equal((await runTask(writeConfig, params, conn)).status, 'changed', 'a lost newline is a change for text');
    });

    test('JSON format, owner and group', async () => {
      const path = join(dir, 'auth.json');
      const params = { path, content: { auths: { 'quay:8443': { auth: 'eDp5' } } }, format: 'json' as const, owner: 26, group: 26, mode: '0600' };
      assert.equal((await runTask(writeConfig, params, conn)).status, 'changed');
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), params.content);
      const st = statSync(path);
      assert.equal(st.uid, 26);
      assert.equal(st.gid, 26);
      assert.equal(st.mode & 0o7777, 0o600);
      writeFileSync(path, '{"auths":{"quay:8443":{"auth":"eDp5"}}}');
      assert.equal((await runTask(writeConfig, params, conn)).status, 'ok', 'whitespace alone is no change for JSON');
    });

    test('missing parent is an error unless createDirs', async () => {
      const path = join(dir, 'a', 'b', 'c.yaml');
      await assert.rejects(runTask(writeConfig, { path, content: { a: 1 } }, conn), /does not exist.*createDirs/);
      assert.equal((await runTask(writeConfig, { path, content: { a: 1 }, createDirs: true }, conn)).status, 'changed');
      assert.equal(readFileSync(path, 'utf8'), 'a: 1\n');
    });

    test('check mode: a parent that an earlier task would create is a would-change, not an error', async () => {
      const parent = join(dir, 'later');
      const path = join(parent, 'x.yaml');
      const out = await runTask(writeConfig, { path, content: { a: 1 } }, conn, { check: true, pending: new Set([parent]) });
      assert.equal(out.status, 'changed');
      assert.equal(existsSync(parent), false);
    });

    test('strings a YAML 1.1 reader would take for booleans stay strings', async () => {
      const path = join(dir, 'yes.yaml');
      await runTask(writeConfig, { path, content: { A: 'yes', B: 'on', C: 'y' } }, conn);
      assert.equal(readFileSync(path, 'utf8'), 'A: "yes"\nB: "on"\nC: "y"\n');
    });
  });
}
