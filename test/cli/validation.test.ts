import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';

// The inventory points at a TCP listener of ours: any connection attempt would be counted.
describe('invalid input: every problem at once, exit 5, no host contacted', () => {
  let dir: string;
  let server: Server;
  let connections = 0;
  let inventory: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tackle-validate-'));
    server = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    inventory = join(dir, 'hosts.yml');
    writeFileSync(inventory, `all:\n  hosts:\n    web1:\n      ansible_host: 127.0.0.1\n      ansible_port: ${port}\n`);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('YAML syntax error, unknown task type, misspelt field and wrong type are all reported with FILE:LINE:COL', async () => {
    const vars = join(dir, 'broken-vars.yml');
    writeFileSync(vars, 'quay_root: /srv/quay\nsuper_users: [quayadmin\n');
    const playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      [
        '- name: broken',
        '  hosts: all',
        '  vars_files: [broken-vars.yml]',
        '  tasks:',
        '    - name: typo in the type',
        '      genCAA:',
        '        dir: /tmp/ca',
        '    - name: misspelt field',
        '      writeConfig:',
        '        path: /tmp/x.yaml',
        '        contnet: {a: 1}',
        '    - name: wrong type',
        '      writeConfig:',
        '        path: /tmp/y.yaml',
        '        content: {a: 1}',
        '        createDirs: "perhaps"',
        '',
      ].join('\n'),
    );
    for (const command of ['validate', 'run']) {
      const r = await tackle([command, playbook, '-i', inventory, '--no-progress']);
      assert.equal(r.code, 5, `${command}: ${r.stdout}${r.stderr}`);
      const lines = r.stderr.split('\n');
      const has = (re: RegExp): boolean => lines.some((l) => re.test(l));
      assert.ok(has(new RegExp(`^${vars}:\\d+:\\d+: YAML syntax error`)), `syntax error in the vars file:\n${r.stderr}`);
      assert.ok(has(new RegExp(`^${playbook}:6:7: unknown task type 'genCAA'.*genCA`)), `unknown type:\n${r.stderr}`);
      assert.ok(has(new RegExp(`^${playbook}:11:9: .*contnet.*content`)), `misspelt field:\n${r.stderr}`);
      assert.ok(has(new RegExp(`^${playbook}:16:21: .*createDirs.*boolean`)), `wrong type:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(connections, 0, 'no host was contacted');
  });

  test('an undefined variable fails the task naming the variable, the task and FILE:LINE', async () => {
    const playbook = join(dir, 'undef.yml');
    // Another task's vars define it, so validate lets it pass; this task does not see it.
    writeFileSync(
      playbook,
      `- hosts: localhost\n  tasks:\n    - name: uses a missing var\n      writeConfig:\n        path: "${dir}/u.yaml"\n        content: {a: "{{ not_defined_anywhere }}"}\n    - name: defines it for itself\n      vars: { not_defined_anywhere: 1 }\n      command: { argv: ["true"] }\n`,
    );
    const r = await tackle(['run', playbook, '--no-progress']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /not_defined_anywhere/);
    assert.match(r.stdout, /uses a missing var/);
    assert.match(r.stdout, new RegExp(`${playbook}:3:\\d+`));
  });

  test('--help texts are complete', async () => {
    const main = await tackle(['--help']);
    assert.equal(main.code, 0);
    for (const c of ['run', 'validate', 'vault', 'tags']) assert.match(main.stdout, new RegExp(`tackle ${c}`));
    const run = await tackle(['run', '--help']);
    for (const o of ['--check', '--diff', '--extra-vars', '--limit', '--tags', '--skip-tags', '--forks', '--report', '--no-progress', '--verbose', '--inventory']) {
      assert.ok(run.stdout.includes(o), `run --help lacks ${o}`);
    }
  });
});
