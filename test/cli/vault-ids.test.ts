import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vaultEncrypt } from '../../engine/load/vault.ts';
import { tackle } from '../helpers/cli.ts';
import { tempDir } from '../helpers/task-harness.ts';

const DEV = 'dev-vault-password-1';
const PROD = 'prod-vault-password-2';

/** A vault file as ansible-vault writes it with --vault-id LABEL (format 1.2 carries the label). */
function labelled(plaintext: string, password: string, label: string): string {
  return vaultEncrypt(plaintext, password).replace('$ANSIBLE_VAULT;1.1;AES256', `$ANSIBLE_VAULT;1.2;AES256;${label}`);
}

function fixture(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'dev.yml'), vaultEncrypt('dev_value: opened-with-dev\n', DEV));
  writeFileSync(join(dir, 'prod.yml'), labelled('prod_value: opened-with-prod\n', PROD, 'prod'));
  writeFileSync(
    join(dir, 'site.yml'),
    `- hosts: localhost
  gather_facts: false
  vars_files: [dev.yml, prod.yml]
  tasks:
    - name: record
      writeConfig: { path: "{{ playbook_dir }}/out.txt", text: "{{ dev_value }} {{ prod_value }}\\n" }
`,
  );
  writeFileSync(join(dir, 'dev-pass.txt'), `${DEV}\n`);
  // Ansible runs an executable password file; one named *-client is told which vault id to print.
  writeFileSync(join(dir, 'vault-client.sh'), `#!/bin/sh\n[ "$1" = --vault-id ] && [ "$2" = prod ] && echo '${PROD}' && exit 0\necho "asked for $*" >&2; exit 3\n`);
  chmodSync(join(dir, 'vault-client.sh'), 0o755);
  writeFileSync(join(dir, 'prod-script.sh'), `#!/bin/sh\nprintf '%s\\n' '${PROD}'\n`);
  chmodSync(join(dir, 'prod-script.sh'), 0o755);
  return dir;
}

test('--vault-id LABEL@FILE and LABEL@client-script open files of several vault ids, each with its own password', async () => {
  const dir = fixture();
  const r = await tackle(['run', 'site.yml', '--no-progress', '--vault-id', 'dev@dev-pass.txt', '--vault-id', 'prod@vault-client.sh'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'out.txt'), 'utf8'));
  assert.equal(out, 'opened-with-dev opened-with-prod\n');
  assert.doesNotMatch(r.stdout, new RegExp(`${DEV}|${PROD}`));
});

test('an executable --vault-password-file is run and its output is the password', async () => {
  const dir = fixture();
  const r = await tackle(['run', 'site.yml', '--no-progress', '--vault-password-file', 'dev-pass.txt', '--vault-password-file', 'prod-script.sh'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The same script, not executable, is a file whose text is a wrong password.
  chmodSync(join(dir, 'prod-script.sh'), 0o644);
  const asText = await tackle(['run', 'site.yml', '--no-progress', '--vault-password-file', 'dev-pass.txt', '--vault-password-file', 'prod-script.sh'], { cwd: dir });
  assert.equal(asText.code, 5);
  assert.match(asText.stderr, /prod\.yml:1:1: prod\.yml: none of the 2 vault passwords \(default, default\) opens it/);
});

test('a failing password script, a missing password and --ask-vault-pass without a terminal are refused, exit 5', async () => {
  const dir = fixture();
  const failing = await tackle(['run', 'site.yml', '--vault-id', 'dev@vault-client.sh'], { cwd: dir });
  assert.equal(failing.code, 5);
  assert.match(failing.stderr, /^tackle: vault password script vault-client\.sh exited with 3: asked for --vault-id dev$/m);
  const onlyDev = await tackle(['run', 'site.yml', '--vault-id', 'dev@dev-pass.txt'], { cwd: dir });
  assert.equal(onlyDev.code, 5);
  assert.match(onlyDev.stderr, /prod\.yml:1:1: prod\.yml: wrong vault password/);
  const ask = await tackle(['run', 'site.yml', '--ask-vault-pass'], { cwd: dir });
  assert.equal(ask.code, 5);
  assert.match(ask.stderr, /^tackle: --ask-vault-pass asks on a terminal, and stdin is not one: pass --vault-password-file FILE or --vault-id LABEL@FILE$/m);
});

test('tackle inventory takes the same vault options', async () => {
  const dir = fixture();
  writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    h1:\n');
  await import('node:fs').then((fs) => {
    fs.mkdirSync(join(dir, 'host_vars'));
    fs.writeFileSync(join(dir, 'host_vars', 'h1.yml'), labelled('secret_port: 6380\n', PROD, 'prod'));
  });
  const r = await tackle(['inventory', '-i', 'hosts.yml', '--host', 'h1', '--vault-id', 'prod@prod-script.sh'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { secret_port: 6380 });
});

test('a file ansible-vault encrypted with --vault-id prod@... opens under that label, beside other ids', async () => {
  const dir = tempDir();
  const fixtures = new URL('../fixtures/vault/', import.meta.url).pathname;
  writeFileSync(join(dir, 'dev-pass.txt'), `${DEV}\n`);
  writeFileSync(join(dir, 'prod-pass.txt'), 'prod-vault-id-pass\n');
  const r = await tackle(['vault', 'view', join(fixtures, 'made-by-ansible-vault-id-prod.yml'), '--vault-id', 'dev@dev-pass.txt', '--vault-id', 'prod@prod-pass.txt'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from_ansible_vault: opened-by-label-prod\n');
});

test('tackle vault encrypt --vault-id LABEL@FILE writes format 1.2 with the label, which run opens among several ids', async () => {
  const dir = fixture();
  writeFileSync(join(dir, 'more.yml'), 'more_value: labelled-by-tackle\n');
  const enc = await tackle(['vault', 'encrypt', 'more.yml', '--vault-id', 'prod@prod-script.sh'], { cwd: dir });
  assert.equal(enc.code, 0, enc.stderr);
  const text = await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'more.yml'), 'utf8'));
  assert.equal(text.split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
  const view = await tackle(['vault', 'view', 'more.yml', '--vault-id', 'dev@dev-pass.txt', '--vault-id', 'prod@prod-script.sh'], { cwd: dir });
  assert.equal(view.stdout, 'more_value: labelled-by-tackle\n');
  const wrong = await tackle(['vault', 'view', 'more.yml', '--vault-password-file', 'dev-pass.txt'], { cwd: dir });
  assert.equal(wrong.code, 5);
  assert.match(wrong.stderr, /wrong vault password/);
});
