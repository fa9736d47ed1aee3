import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vaultEncrypt } from '../../engine/load/vault.ts';
import { tackle } from '../helpers/cli.ts';

/** One value per way of marking a secret; each must be printed nowhere and written where asked. */
const SECRETS = {
  tagged: 'hunter2-long-PLAYVAR',
  vaultFile: 'tok-VAULTFILE-9f8e7d',
  vaultInline: 'inline-VAULT-5544',
  secretsFile: 'key-SECRETSFILE-42x',
  extraFile: 'extra-ATFILE-7788',
  inventory: 'inv-TAGGED-3131',
};
const VAULT_PASSWORD = 'correct horse battery staple';

function assertNoSecret(where: string, text: string): void {
  for (const [kind, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `the ${kind} secret appears in ${where}:\n${text}`);
  }
}

describe('secrets never leave the process unmasked (local, through the CLI)', () => {
  let dir: string;
  let out: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-secrets-'));
    out = join(dir, 'out');
    writeFileSync(join(dir, 'vault-pass'), VAULT_PASSWORD + '\n');
    writeFileSync(join(dir, 'vaulted.yml'), vaultEncrypt(`vault_token: ${SECRETS.vaultFile}\n`, VAULT_PASSWORD));
    const inline = vaultEncrypt(SECRETS.vaultInline, VAULT_PASSWORD).trimEnd().split('\n').map((l) => `        ${l}`).join('\n');
    writeFileSync(
      join(dir, 'hosts.yml'),
      `all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      inv_pw: !secret ${SECRETS.inventory}\n      inline_pw: !vault |\n${inline}\n`,
    );
    mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
    writeFileSync(join(dir, 'group_vars', 'all', 'secrets.yml'), `api_key: ${SECRETS.secretsFile}\n`);
    writeFileSync(join(dir, 'extra.yml'), `extra_pw: !secret ${SECRETS.extraFile}\n`);
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  vars:
    db_password: !secret ${SECRETS.tagged}
    db_url: "postgresql://quay:{{ db_password }}@db.example/quay"
  vars_files: [vaulted.yml]
  tasks:
    - name: config with every secret
      writeConfig:
        path: ${out}/app.conf
        createDirs: true
        text: |
          url={{ db_url }}
          token={{ vault_token }}
          inline={{ inline_pw }}
          api={{ api_key }}
          extra={{ extra_pw }}
          inv={{ inv_pw }}
    - name: structured config
      writeConfig:
        path: ${out}/app.yaml
        content:
          database: {password: "{{ db_password }}", url: "{{ db_url }}"}
          token: "{{ vault_token }}"
    - name: a no_log task that fails
      no_log: true
      ignore_errors: true
      command:
        argv: [sh, -c, 'echo "$1" >&2; exit 3', sh, "{{ db_password }} {{ api_key }}"]
    - name: a failing task whose error quotes secrets
      ignore_errors: true
      command:
        argv: [sh, -c, 'echo "bad login $1 $2 $3" >&2; exit 3', sh, "{{ vault_token }}", "{{ inline_pw }}", "{{ extra_pw }}"]
    - name: a command that prints secrets (shown with -v)
      command:
        argv: [sh, -c, 'echo "$1"; echo "$2" >&2', sh, "{{ db_url }}", "{{ inv_pw }}"]
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--diff -v --report: no secret in stdout, stderr or the report; the files on disk hold them', async () => {
    const report = join(dir, 'report.json');
    const r = await tackle(
      ['run', 'site.yml', '-i', 'hosts.yml', '-e', '@extra.yml', '--vault-password-file', 'vault-pass', '--diff', '-v', '--report', report],
      { cwd: dir },
    );
    assertNoSecret('stdout', r.stdout);
    assertNoSecret('stderr', r.stderr);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const reportText = readFileSync(report, 'utf8');
    assertNoSecret('the JSON report', reportText);

    // The masked values were really printed (diff, error, -v output), only masked.
    assert.match(r.stdout, /url=postgresql:\/\/quay:\*{8}@db\.example\/quay/, 'a value derived from a secret by templating is masked inside the diff');
    assert.match(r.stdout, /bad login \*{8} \*{8} \*{8}/, 'the error message is shown, masked');
    assert.match(r.stdout, /details hidden by no_log/);
    const results = (JSON.parse(reportText) as { results: { task: string; status: string }[] }).results;
    assert.deepEqual(
      results.map((x) => [x.task, x.status]),
      [
        ['config with every secret', 'changed'],
        ['structured config', 'changed'],
        ['a no_log task that fails', 'failed'],
        ['a failing task whose error quotes secrets', 'failed'],
        ['a command that prints secrets (shown with -v)', 'changed'],
      ],
    );

    assert.equal(
      readFileSync(join(out, 'app.conf'), 'utf8'),
      `url=postgresql://quay:${SECRETS.tagged}@db.example/quay\ntoken=${SECRETS.vaultFile}\ninline=${SECRETS.vaultInline}\n` +
        `api=${SECRETS.secretsFile}\nextra=${SECRETS.extraFile}\ninv=${SECRETS.inventory}\n`,
    );
    const yaml = readFileSync(join(out, 'app.yaml'), 'utf8');
    assert.ok(yaml.includes(SECRETS.tagged) && yaml.includes(SECRETS.vaultFile), yaml);
  });

  test('a validation error quoting a secret value shows it masked', async () => {
    writeFileSync(
      join(dir, 'bad.yml'),
      `- hosts: all\n  vars:\n    token_dir: !secret ${SECRETS.tagged}\n  vars_files: ["{{ token_dir }}/x.yml"]\n  tasks: []\n`,
    );
    const r = await tackle(['validate', 'bad.yml'], { cwd: dir });
    assert.equal(r.code, 5, r.stderr);
    assertNoSecret('stderr', r.stderr);
    assert.match(r.stderr, /^bad\.yml:4:\d+: vars file \*{8}\/x\.yml: cannot read file: file not found$/m);
  });

  test('!secret on a short value, a template or a map is refused with FILE:LINE:COL', async () => {
    writeFileSync(join(dir, 'marks.yml'), `- hosts: all\n  vars:\n    a: !secret abc\n    b: !secret "x{{ a }}y"\n    c: !secret {k: value-long}\n  tasks: []\n`);
    const r = await tackle(['validate', 'marks.yml'], { cwd: dir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^marks\.yml:3:\d+: a !secret value must have at least 4 characters/m);
    assert.match(r.stderr, /^marks\.yml:4:\d+: a !secret value is used as written and cannot be a template/m);
    assert.match(r.stderr, /^marks\.yml:5:\d+: the tags !secret and !vault apply to one value/m);
  });
});
