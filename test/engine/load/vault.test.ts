import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isVaultText, vaultDecrypt, vaultEncrypt, VaultError, VAULT_HEADER } from '../../../engine/load/vault.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/vault/${name}`, import.meta.url), 'utf8');

test('a file encrypted by ansible-vault decrypts to its plaintext', () => {
  const text = vaultDecrypt(fixture('made-by-ansible-vault.yml'), 's3cret-pass');
  assert.equal(text, 'db_password: hunter2-long\nnested:\n  k: v\n');
});

test('encrypt then decrypt round-trips, with the Ansible 1.1 header and 80-column hex body', () => {
  const plain = 'quay_db_password: "p@ss w0rd \u00e9"\n';
  const enc = vaultEncrypt(plain, 'pw-1');
  assert.ok(enc.startsWith(VAULT_HEADER + '\n'));
  assert.ok(isVaultText(enc));
  for (const line of enc.trim().split('\n').slice(1)) assert.match(line, /^[0-9a-f]{1,80}$/);
  assert.equal(vaultDecrypt(enc, 'pw-1'), plain);
  assert.notEqual(vaultEncrypt(plain, 'pw-1'), enc, 'a fresh salt each time');
});

test('a wrong password is a VaultError naming the file, not garbage', () => {
  assert.throws(() => vaultDecrypt(fixture('made-by-ansible-vault.yml'), 'nope', 'group_vars/all.yml'), (e: unknown) => {
    assert.ok(e instanceof VaultError);
    assert.match(e.message, /group_vars\/all\.yml: wrong vault password/);
    return true;
  });
});

test('a truncated vault body is rejected with a clear error', () => {
  const enc = vaultEncrypt('a: 1\n', 'pw');
  assert.throws(() => vaultDecrypt(enc.slice(0, 60), 'pw'), VaultError);
});
