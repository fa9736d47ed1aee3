import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationFailed } from '../../../engine/errors.ts';
import { loadAll, type Loaded } from '../../../engine/load/loader.ts';
import { vaultEncrypt } from '../../../engine/load/vault.ts';
import { MAX_FILE_BYTES } from '../../../engine/load/yaml-source.ts';
import { acceptanceRegistry, fakeRegistry, writeTree } from '../../helpers/fixture-files.ts';

const registry = fakeRegistry();

/** Loads site.yml from a temp tree; returns the problem lines with the temp dir stripped. */
async function problemsOf(files: Record<string, string>, extraVars: string[] = [], inventory?: string): Promise<string[]> {
  const dir = writeTree(files);
  try {
    await loadAll({
      playbookFile: join(dir, 'site.yml'),
      inventoryFile: inventory ? join(dir, inventory) : undefined,
      extraVars: extraVars.map((e) => e.replace('@DIR/', `@${dir}/`)),
      registry,
    });
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    return error.problems.map((p) => p.message.split(dir + '/').join(''));
  }
  assert.fail('expected ValidationFailed');
}

async function load(files: Record<string, string>, extraVars: string[] = [], inventory?: string): Promise<Loaded> {
  const dir = writeTree(files);
  return loadAll({ playbookFile: join(dir, 'site.yml'), inventoryFile: inventory ? join(dir, inventory) : undefined, extraVars, registry });
}

describe('loading a valid playbook', () => {
  test('plays, tasks, handlers and common keys land in the model', async () => {
    const loaded = await load({
      'site.yml': `- name: CA
  hosts: [web, db]
  serial: "30%"
  forks: 3
  max_fail_percentage: 10
  any_errors_fatal: true
  strategy: free
  become: true
  become_user: root
  tags: pki, certs
  vars:
    base: /etc/pki
  vars_files: [vars/common.yml]
  tasks:
    - name: Make the CA
      genCA:
        cn: "{{ inventory_hostname }}"
        path: "{{ base }}/ca"
        days: "{{ ca_days }}"
      when: [base is defined, true]
      tags: [ca]
      notify: restart
      register: ca
      no_log: true
      ignore_errors: true
      retries: 3
      delay: 2
      until: ca is succeeded
      timeout: 30
    - writeFile:
        path: /tmp/x
  handlers:
    - name: reload app
      listen: restart
      writeFile: {path: /tmp/y}
`,
      'vars/common.yml': 'ca_days: 365\n',
    }, ['env=prod region="eu west"', '{count: 3}']);
    const [play] = loaded.playbook.plays;
    assert.ok(play);
    assert.equal(play.name, 'CA');
    assert.equal(play.hosts, 'web,db');
    assert.equal(play.serial, '30%');
    assert.equal(play.forks, 3);
    assert.equal(play.maxFailPercentage, 10);
    assert.equal(play.anyErrorsFatal, true);
    assert.equal(play.strategy, 'free');
    assert.equal(play.become, true);
    assert.equal(play.becomeUser, 'root');
    assert.deepEqual(play.tags, ['pki', 'certs']);
    assert.deepEqual(play.vars, { base: '/etc/pki' });
    assert.deepEqual(play.varsFiles, ['vars/common.yml']);
    assert.deepEqual(loaded.playVarsFiles.get(play), { ca_days: 365 });
    assert.deepEqual(loaded.extraVars, { env: 'prod', region: 'eu west', count: 3 });
    assert.equal(play.pos.line, 1);
    assert.equal(play.pos.col, 3);

    const [ca, write] = play.tasks;
    assert.deepEqual(ca, {
      name: 'Make the CA',
      type: 'genCA',
      args: { cn: '{{ inventory_hostname }}', path: '{{ base }}/ca', days: '{{ ca_days }}' },
      pos: { file: ca!.pos.file, line: 15, col: 7 },
      when: ['base is defined', 'true'],
      tags: ['ca'],
      notify: ['restart'],
      register: 'ca',
      noLog: true,
      ignoreErrors: true,
      retries: 3,
      delaySeconds: 2,
      until: 'ca is succeeded',
      timeoutSeconds: 30,
    });
    assert.equal(write!.name, 'writeFile');
    assert.deepEqual(write!.args, { path: '/tmp/x' });
    assert.deepEqual(play.handlers[0]!.listen, ['reload app', 'restart']);
    assert.equal(loaded.inventory.hosts.get('localhost')!.vars.ansible_connection, 'local');
  });

  test('import_playbook brings in the plays of another file; vars_files resolve beside it', async () => {
    const loaded = await load({
      'site.yml': '- import_playbook: sub/other.yml\n- hosts: all\n  tasks: []\n',
      'sub/other.yml': '- hosts: db\n  vars_files: vars.yml\n  tasks: [{writeFile: {path: /a}}]\n',
      'sub/vars.yml': 'x: 1\n',
    });
    assert.deepEqual(loaded.playbook.plays.map((p) => p.hosts), ['db', 'all']);
    assert.deepEqual(loaded.playVarsFiles.get(loaded.playbook.plays[0]!), { x: 1 });
    assert.match(loaded.playbook.plays[0]!.pos.file, /sub\/other\.yml$/);
  });

  test('a vars_files name may use extra vars', async () => {
    const loaded = await load({ 'site.yml': '- hosts: all\n  vars_files: ["{{ env }}.yml"]\n', 'prod.yml': 'a: 2\n' }, ['env=prod']);
    assert.deepEqual(loaded.playVarsFiles.get(loaded.playbook.plays[0]!), { a: 2 });
  });
});

describe('validation errors, each with FILE:LINE:COL', () => {
  test('unknown task type, suggested by edit distance', async () => {
    assert.deepEqual(await problemsOf({ 'site.yml': '- hosts: all\n  tasks:\n    - name: x\n      genCAA: {cn: a, path: b}\n' }), [
      "site.yml:4:7: unknown task type 'genCAA' (did you mean 'genCA'?)",
    ]);
    assert.deepEqual(await problemsOf({ 'site.yml': '- hosts: all\n  tasks:\n    - frobnicate: {}\n' }), [
      "site.yml:3:7: unknown task type 'frobnicate'",
    ]);
  });

  test('no task key, two task keys, unknown common key', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- hosts: all
  tasks:
    - name: nothing to do
      when: true
    - name: two
      genCA: {cn: a, path: b}
      writeFile: {path: c}
    - name: typo
      writeFile: {path: c}
      whn: x is defined
`,
    }), [
      "site.yml:3:7: task 'nothing to do' has no task type (a key such as 'genCA', 'writeFile')",
      "site.yml:7:7: task 'two' has more than one task type: 'genCA', 'writeFile' (exactly one per task)",
      "site.yml:10:7: unknown task key 'whn' (did you mean 'when'?)",
    ]);
  });

  test('parameter fields: unknown (with suggestion), wrong type, missing required, enum, pattern, minimum', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- hosts: all
  tasks:
    - genCA:
        cn: a
        path: b
        dayz: 3
    - genCA:
        cn: [not, a, string]
        path: b
        days: 0
        keyType: dsa
    - genCA:
        cn: a
    - writeFile:
        path: p
        mode: "777"
    - writeFile: just a string
`,
    }), [
      "site.yml:6:9: unknown field 'dayz' in genCA (did you mean 'days'?)",
      "site.yml:8:13: field 'cn' must be string",
      "site.yml:10:15: field 'days' must be >= 1",
      "site.yml:11:18: field 'keyType' must be one of: rsa, ecdsa",
      "site.yml:13:9: missing required field 'path' in genCA",
      "site.yml:16:15: field 'mode' must match the pattern ^0[0-7]{3}$",
      "site.yml:17:18: parameters of 'writeFile' must be a map of fields or one template, not a string",
    ]);
  });

  test('type errors at templated values are left for after templating; others in the same task still count', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- hosts: all
  vars: { n: 1, list: [], kind: rsa, one: x }
  tasks:
    - genCA:
        cn: a
        path: b
        days: "{{ n }}"
        sans: "{{ list }}"
        keyType: "{{ kind }}"
    - genCA:
        cn: a
        path: b
        days: "ten {{ n }}"
        sans: ["{{ one }}", 2]
`,
    }), [
      "site.yml:14:29: field 'sans[1]' must be string",
    ]);
  });

  test('common task keys are type-checked', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': '- hosts: all\n  tasks:\n    - writeFile: {path: a}\n      retries: many\n      register: "bad name"\n      when: {a: 1}\n',
    }), [
      "site.yml:4:16: field 'retries' must be integer",
      "site.yml:5:17: field 'register' must match the pattern ^[A-Za-z_][A-Za-z0-9_]*$",
      "site.yml:6:13: field 'when' must be string or boolean or array",
    ]);
  });

  test('play keys: unknown (suggested), missing hosts, bad values', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- name: one
  hosts: all
  taks: []
- name: two
  strategy: random
  serial: 0
  forks: "4"
- 42
`,
    }), [
      "site.yml:3:3: unknown play key 'taks' (did you mean 'tasks'?)",
      "site.yml:4:3: missing required field 'hosts' in play",
      "site.yml:5:13: field 'strategy' must be one of: linear, free",
      "site.yml:6:11: field 'serial' must be integer or string or array",
      "site.yml:7:10: field 'forks' must be integer",
      'site.yml:8:3: a play must be a map with hosts and tasks, not a number',
    ]);
  });

  test('notify must name a handler (name or listen) of the same play', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- hosts: all
  tasks:
    - writeFile: {path: a}
      notify: relaod
    - writeFile: {path: b}
      notify: [reload, restrat]
  handlers:
    - name: reload
      listen: restart
      writeFile: {path: c}
      notify: nobody
`,
    }), [
      "site.yml:4:15: notify: no handler named 'relaod' in this play (did you mean 'reload'?)",
      "site.yml:6:24: notify: no handler named 'restrat' in this play (did you mean 'restart'?)",
      "site.yml:11:15: notify: no handler named 'nobody' in this play",
    ]);
  });

  test('vars files: missing, not a map, bad YAML', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': '- hosts: all\n  vars_files:\n    - nowhere.yml\n    - list.yml\n    - broken.yml\n',
      'list.yml': '- a\n- b\n',
      'broken.yml': 'a: [1\nb: 2\n',
    }), [
      'site.yml:3:7: vars file ' + 'nowhere.yml: cannot read file: file not found',
      'list.yml:1:1: a variables file must hold a map of names to values, not a list',
      'broken.yml:2:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  test('a syntax error in the playbook itself: reported, and the rest of the partial document still validated', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': `- hosts: all
  tasks:
    - genCAA: {cn: a, path: b}
    - writeFile:
        path: a
        modd: "0644"
    - name: "unterminated
`,
    }), [
      "site.yml:3:7: unknown task type 'genCAA' (did you mean 'genCA'?)",
      "site.yml:6:9: unknown field 'modd' in writeFile (did you mean 'mode'?)",
      'site.yml:8:1: YAML syntax error: Missing closing "quote',
    ]);
  });

  test('not a list of plays; duplicate keys', async () => {
    assert.deepEqual(await problemsOf({ 'site.yml': 'hosts: all\n' }), ['site.yml:1:1: a playbook must be a list of plays, not a map']);
    assert.deepEqual(await problemsOf({ 'site.yml': '- hosts: all\n  hosts: web\n' }), ['site.yml:2:3: YAML syntax error: Map keys must be unique']);
  });

  test('YAML alias bombs are refused with a position, not expanded', async () => {
    const lines = ['- hosts: all', '  vars:', '    l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) lines.push(`    l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
    assert.deepEqual(await problemsOf({ 'site.yml': lines.join('\n') + '\n' }), [
      'site.yml:4:14: too many YAML alias expansions (more than 1000); refusing the document',
    ]);
  });

  test('oversized files are refused', async () => {
    const dir = writeTree({ 'site.yml': '- hosts: all\n  vars_files: [big.yml]\n' });
    writeFileSync(join(dir, 'big.yml'), 'a: ' + 'x'.repeat(MAX_FILE_BYTES) + '\n');
    await assert.rejects(loadAll({ playbookFile: join(dir, 'site.yml'), extraVars: [], registry }), (e: unknown) =>
      e instanceof ValidationFailed && e.problems.length === 1 && e.problems[0]!.message === `${join(dir, 'big.yml')}:1:1: file is too large (${MAX_FILE_BYTES + 4} bytes; at most ${MAX_FILE_BYTES})`);
  });

  test('-e values: bad k=v, bad @file, inline map that is not a map', async () => {
    assert.deepEqual(await problemsOf({ 'site.yml': '- hosts: all\n', 'e.yml': '[1, 2]\n' }, ['a=1 oops', '@DIR/e.yml', '{a: [}']), [
      "-e #1:1:5: 'oops' is not NAME=VALUE (or @file, or a {map})",
      'e.yml:1:1: a variables file must hold a map of names to values, not a list',
      '-e #3:1:6: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '-e #3:1:6: YAML syntax error: Flow map must end with a }',
    ]);
  });

  test('-e @file and inventory problems are reported in the same run', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': '- hosts: all\n  tasks: [{genCAA: {}}]\n',
      'inv.yml': 'all:\n  hostz: {a: }\n',
    }, [], 'inv.yml'), [
      "site.yml:2:12: unknown task type 'genCAA' (did you mean 'genCA'?)",
      "inv.yml:2:3: unknown key 'hostz' in group 'all' (did you mean 'hosts'?)",
    ]);
  });

  test('import_playbook: a missing file is reported where it is imported; errors inside are reported too', async () => {
    assert.deepEqual(await problemsOf({
      'site.yml': '- import_playbook: missing.yml\n- import_playbook: second.yml\n',
      'second.yml': '- hosts: all\n  tasks:\n    - writeFile: {path: a, mod: x}\n',
    }), [
      'site.yml:1:20: cannot read file: file not found: ' + 'missing.yml',
      "second.yml:3:28: unknown field 'mod' in writeFile (did you mean 'mode'?)",
    ]);
  });
});

describe('Ansible Vault', () => {
  const files = (): Record<string, string> => ({
    'site.yml': '- hosts: all\n  vars_files: [secret.yml]\n  vars:\n    token: !vault |\n' +
      vaultEncrypt('t0ken', 'pw').trimEnd().split('\n').map((l) => '      ' + l).join('\n') + '\n',
    'secret.yml': vaultEncrypt('db_password: s3cret\n', 'pw'),
  });

  test('whole-file vault vars files and inline !vault values open with the password', async () => {
    const dir = writeTree(files());
    const loaded = await loadAll({ playbookFile: join(dir, 'site.yml'), extraVars: [], registry, vaultSecrets: [{ label: 'default', password: 'pw' }] });
    const play = loaded.playbook.plays[0]!;
    assert.deepEqual(loaded.playVarsFiles.get(play), { db_password: 's3cret' });
    assert.equal(play.vars.token, 't0ken');
  });

  test('without the password, or with a wrong one, each encrypted place is a problem with its position', async () => {
    const dir = writeTree(files());
    const problems = async (password?: string): Promise<string[]> =>
      loadAll({ playbookFile: join(dir, 'site.yml'), extraVars: [], registry, vaultSecrets: password === undefined ? undefined : [{ label: 'default', password }] }).then(
        () => assert.fail('expected ValidationFailed'),
        (e: unknown) => (e as ValidationFailed).problems.map((p) => p.message.split(dir + '/').join('')),
      );
    assert.deepEqual(await problems(), [
      'site.yml:4:12: this value is encrypted with Ansible Vault: pass --vault-password-file, --vault-id or --ask-vault-pass',
      'secret.yml:1:1: the file is encrypted with Ansible Vault: pass --vault-password-file, --vault-id or --ask-vault-pass',
    ]);
    const wrong = await problems('nope');
    assert.equal(wrong.length, 2);
    assert.match(wrong[0]!, /^site\.yml:4:12: .*wrong vault password/);
    assert.match(wrong[1]!, /^secret\.yml:1:1: .*wrong vault password/);
  });
});

describe('acceptance: one run reports a syntax error, an unknown task type, a misspelt field and a wrong type', () => {
  test('test/fixtures/loader/acceptance/site.yml', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const base = relative(process.cwd(), join(here, '..', '..', 'fixtures', 'loader', 'acceptance'));
    const error = await loadAll({
      playbookFile: join(base, 'site.yml'),
      inventoryFile: join(base, 'inventory.yml'),
      extraVars: [],
      registry: acceptanceRegistry(),
    }).then(
      () => assert.fail('expected ValidationFailed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationFailed);
    assert.deepEqual(error.problems.map((p) => p.message), [
      `${join(base, 'site.yml')}:9:7: unknown task type 'genCAA' (did you mean 'genCA'?)`,
      `${join(base, 'site.yml')}:16:9: unknown field 'dayz' in genCA (did you mean 'days'?)`,
      `${join(base, 'site.yml')}:21:15: field 'days' must be integer`,
      `${join(base, 'vars', 'broken.yml')}:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });
});
