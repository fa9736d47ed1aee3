import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from '../../engine/load/loader.ts';
import { taskRegistry } from '../../cli/task-registry.ts';
import { vaultEncrypt } from '../../engine/load/vault.ts';

test('loadAll returns exactly the values marked secret, from every kind of vars source', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tackle-marking-'));
  try {
    const pw = 'vault-pass-1';
    const write = (name: string, text: string): void => {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    };
    write('site.yml', `- hosts: all\n  vars: {a: !secret play-vars-secret, plain: not-secret-1}\n  defaults: {b: !secret play-defaults-secret}\n  vars_files: [secrets.yaml, plain.yml]\n  tasks: []\n`);
    write('secrets.yaml', `c: whole-secrets-file\nnested: {list: [in-a-list, 12345]}\n`);
    write('plain.yml', `d: !secret tagged-in-vars-file\ne: not-secret-2\n`);
    write('hosts.yml', `all:\n  vars: {f: !secret inventory-group-secret}\n  hosts:\n    h1: {ansible_connection: local, g: !secret inventory-host-secret, h: not-secret-3}\n`);
    write('group_vars/all/vault.yml', vaultEncrypt('i: vaulted-group-vars\n', pw));
    write('host_vars/h1.yml', `j: not-secret-4\nk: !vault |\n  ${vaultEncrypt('inline-vault-secret', pw).trimEnd().split('\n').join('\n  ')}\n`);
    write('extra.json', JSON.stringify({ l: 'not-secret-5' }));
    write('secrets.json', JSON.stringify({ m: 'extra-secrets-json' }));
    const loaded = await loadAll({
      playbookFile: join(dir, 'site.yml'),
      inventoryFile: join(dir, 'hosts.yml'),
      extraVars: [`@${join(dir, 'extra.json')}`, `@${join(dir, 'secrets.json')}`, '{n: !secret inline-extra-secret}', 'o=not-secret-6'],
      registry: taskRegistry(),
      vaultSecrets: [{ label: 'default', password: pw }],
    });
    assert.deepEqual(
      [...loaded.secretValues].sort(),
      [
        '12345',
        'extra-secrets-json',
        'in-a-list',
        'inline-extra-secret',
        'inline-vault-secret',
        'inventory-group-secret',
        'inventory-host-secret',
        'play-defaults-secret',
        'play-vars-secret',
        'tagged-in-vars-file',
        'vaulted-group-vars',
        'whole-secrets-file',
      ],
    );
    // The values themselves are unchanged: marking only adds them to the masker.
    assert.equal(loaded.inventory.hosts.get('h1')!.vars['g'], 'inventory-host-secret');
    assert.equal(loaded.extraVars['n'], 'inline-extra-secret');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
