import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { tackle } from '../helpers/cli.ts';

/** Values that live only on the host: no playbook ever names them. */
const OLD_DB_PASSWORD = 'OLDpw-only-on-host-4411';
const HAND_ADDED_KEY = 'hand-added-secret-key-9931';
const OTHER_PASSWORD = 'sharedfile-pw-7007';

/** Secrets the playbook knows, in the shapes tackle's own formatting changes. */
const QUOTED = `it's a "quoted" \\ secret-8812`;
const LONG = `correct horse battery staple ${'long words and more '.repeat(6)}end-5519`;
const PEM = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'.slice(0, 64)}\n${'QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm0123456789ab'}\n-----END PRIVATE KEY-----\n`;

function assertHidden(where: string, text: string): void {
  for (const value of [OLD_DB_PASSWORD, HAND_ADDED_KEY, OTHER_PASSWORD, QUOTED, JSON.stringify(QUOTED).slice(1, -1), "it''s a"]) {
    assert.ok(!text.includes(value), `${JSON.stringify(value)} appears in ${where}:\n${text}`);
  }
  for (const line of [...PEM.split('\n'), ...LONG.split(/(?<=staple) /)].filter((l) => l.length > 8)) {
    assert.ok(!text.includes(line), `a line of a secret (${JSON.stringify(line)}) appears in ${where}:\n${text}`);
  }
}

for (const kind of ['local', 'ssh'] as const) {
  describe(`--diff and errors show no secret, known or host-side (${kind})`, () => {
    let ssh: SshTestHosts | undefined;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `tackle-h6-diff-${kind}-`));
      if (kind === 'ssh') {
        ssh = await startSshHosts(1);
        writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml().replace('host1:', 'target:'));
      } else {
        writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    target: {ansible_connection: local}\n');
      }
      const config = `DB_URI: postgresql://quay:${OLD_DB_PASSWORD}@db.example/quay\nSECRET_KEY: ${HAND_ADDED_KEY}\nSERVER_HOSTNAME: quay.example\n`;
      writeFileSync(join(dir, 'config.yaml'), config);
      chmodSync(join(dir, 'config.yaml'), 0o600);
      writeFileSync(join(dir, 'shared.yaml'), `DB_PASSWORD: ${OTHER_PASSWORD}\nurl: postgresql://u:${OTHER_PASSWORD}@db/x\nLOG_LEVEL: info\n`);
      writeFileSync(join(dir, 'nolog.conf'), `token=${HAND_ADDED_KEY}\n`);
      writeFileSync(
        join(dir, 'site.yml'),
        `- hosts: all
  vars_files: [known.yml]
  vars:
    new_pw: !secret NEWpw-known-2222
  tasks:
    - name: merge into a 0600 config
      writeConfig:
        path: ${dir}/config.yaml
        mode: "0600"
        merge: true
        content: {DB_URI: "postgresql://quay:{{ new_pw }}@db.example/quay"}
    - name: merge into a 0644 file with host-side secrets
      writeConfig:
        path: ${dir}/shared.yaml
        merge: true
        content: {LOG_LEVEL: debug}
    - name: a no_log task
      no_log: true
      writeConfig: {path: "${dir}/nolog.conf", text: "token=changed\\n"}
    - name: secrets through YAML quoting, folding and a block scalar
      writeConfig:
        path: ${dir}/out.yaml
        content: {quoted: "{{ quoted }}", long: "{{ long }}", pem: "{{ pem }}"}
    - name: the same as JSON
      writeConfig:
        path: ${dir}/out.json
        format: json
        content: {quoted: "{{ quoted }}", pem: "{{ pem }}"}
    - name: a failing command prints a key on stderr
      ignore_errors: true
      command: {argv: [sh, -c, 'printf "%s" "$1" >&2; exit 3', sh, "{{ pem }}"]}
`,
      );
      writeFileSync(
        join(dir, 'known.yml'),
        `quoted: !secret ${JSON.stringify(QUOTED)}\nlong: !secret ${JSON.stringify(LONG)}\npem: !secret ${JSON.stringify(PEM)}\n`,
      );
    });
    after(async () => {
      await ssh?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('--check --diff --report: changed keys are named, no value of one is printed', async () => {
      const report = join(dir, 'report.json');
      const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--check', '--diff', '--report', report], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assertHidden('stdout', r.stdout);
      assertHidden('stderr', r.stderr);
      assertHidden('the report', readFileSync(report, 'utf8'));
      assert.match(r.stdout, /^-DB_URI: \*{8} \(old value\)$/m, 'the changed key of the 0600 file is named');
      assert.match(r.stdout, /^\+DB_URI: \*{8} \(new value\)$/m);
      assert.match(r.stdout, /^ SECRET_KEY: \*{8}$/m, 'an unchanged key is context without its value');
      assert.match(r.stdout, /^ DB_PASSWORD: \*{8}$/m, 'a secret-looking key of a 0644 file is masked by its name');
      assert.match(r.stdout, /^ url: postgresql:\/\/u:\*{8}@db\/x$/m, 'a password in a URL is masked');
      assert.match(r.stdout, /^\+LOG_LEVEL: debug$/m, 'an ordinary value is still shown');
      assert.match(r.stdout, /^--- .*: changed \(content hidden: no_log\)$/m);
      assert.ok(!r.stdout.includes('token=changed'), r.stdout);
    });

    test('a real run writes the secrets, prints none of them', async () => {
      const r = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '--diff'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assertHidden('stdout', r.stdout);
      assert.match(readFileSync(join(dir, 'config.yaml'), 'utf8'), /NEWpw-known-2222/);
      assert.ok(readFileSync(join(dir, 'out.yaml'), 'utf8').includes('MIIEvQ'), 'the key is in the file');
      assert.match(r.stdout, /failed \(ignored\): \[target\]: sh exited 3:\n\*{8} \(task/, 'the stderr of the failed command is shown, masked');
    });
  });
}
