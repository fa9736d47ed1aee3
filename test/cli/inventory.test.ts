import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main.ts';
import { writeTree } from '../helpers/fixture-files.ts';

/** The INI dialect, ranges, -i DIR, host lists and several -i, against recorded ansible-inventory output (see recorded/README.md). */

const FIXTURES = resolve(import.meta.dirname, '../fixtures/inventory');
const INVENTORY_DIR = join(FIXTURES, 'ini-dialect');
const recorded = (name: string): string => readFileSync(join(FIXTURES, 'recorded', name), 'utf8');

async function tackleInventory(args: string[], cwd = INVENTORY_DIR): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['inventory', ...args], { out: { write: (t: string) => (stdout += t) }, err: { write: (t: string) => (stderr += t) } });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

describe('tackle inventory prints what ansible-inventory prints', () => {
  const cases: [string, string[], string][] = [
    ['INI: sections, Python-literal typing, ranges, ports, priorities, group_vars/host_vars', ['-i', 'hosts', '--list'], 'hosts.list.json'],
    ['--graph', ['-i', 'hosts', '--graph'], 'hosts.graph.txt'],
    ['--host NAME', ['-i', 'hosts', '--host', 'solo'], 'hosts.host-solo.json'],
    ['several -i merged in order (INI then YAML with ranges and YAML 1.1 booleans)', ['-i', 'hosts', '-i', 'extra.yml', '--list'], 'hosts+extra.list.json'],
    ['-i DIR: every inventory file in it', ['-i', '.', '--list'], 'dir.list.json'],
    ['-i "h1,h2:PORT, h3": a host list', ['-i', 'one,two:2201, three', '--list'], 'host-list.list.json'],
  ];
  for (const [name, args, file] of cases) {
    test(name, async () => {
      const r = await tackleInventory(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, recorded(file));
    });
  }

  test('values typed as Ansible types them, read back as a user would', async () => {
    const r = await tackleInventory(['-i', 'hosts', '--host', 'bastion']);
    const vars = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(vars['port'], 22);
    assert.equal(vars['quoted'], 22, 'shell quotes on a host line are removed before typing, as Ansible does');
    assert.equal(vars['flag'], true);
    assert.equal(vars['word'], 'yes', 'yes on an INI host line is a string in Ansible');
    assert.equal(vars['octal'], '0777', '0777 is not a Python literal: it stays text');
    assert.deepEqual(vars['tuple'], [1, 2]);
    const web = JSON.parse((await tackleInventory(['-i', 'hosts', '--host', 'web01.example.com'])).stdout) as Record<string, unknown>;
    assert.equal(web['ansible_port'], 2222);
    assert.equal(web['plain'], 'some text # not a comment in :vars');
    assert.equal(web['enabled'], false);
    assert.equal(web['from_web_file'], true, 'yes in a YAML group_vars file is a boolean (YAML 1.1, as PyYAML reads it)');
    const db = JSON.parse((await tackleInventory(['-i', 'hosts', '--host', 'db-a'])).stdout) as Record<string, unknown>;
    assert.equal(db['priority_test'], 'db', 'ansible_group_priority 10 puts db after its sibling groups');
  });
});

describe('INI errors carry FILE:LINE:COL and exit 5', () => {
  const cases: [string, string, RegExp][] = [
    ['undefined child group', '[a:children]\nmissing\n', /inv:2:1: \[a:children\] names group 'missing', which no \[missing\] or \[missing:children\] section defines/],
    ['vars for an undefined group', '[x:vars]\na=1\n', /inv:1:1: section \[x:vars\] is for group 'x'/],
    ['unknown section type', '[web:hostz]\n', /inv:1:1: section \[web:hostz\] has an unknown type 'hostz'/],
    ['spaces in a section header', '[my group]\n', /inv:1:1: invalid section header '\[my group\]'/],
    ['a vars line without =', '[web]\nh1\n[web:vars]\n  justaword\n', /inv:4:3: expected key=value in \[web:vars\], got 'justaword'/],
    ['a host variable without =', 'h1 a=1 oops\n', /inv:1:8: expected key=value after host 'h1', got 'oops'/],
    ['an unclosed quote', 'h1 a="x\n', /inv:1:1: cannot read host line: no closing quotation/],
    ['a bad range', 'web[3:z]\n', /inv:1:1: host range '\[3:z\]' must be numbers or single letters/],
    ['a YAML file named without .yml', '---\nall:\n', /inv:1:1: '---' is not a host name: this looks like a YAML file/],
    ['a child loop', '[a:children]\nb\n[b:children]\na\n', /inv:4:1: adding group 'a' as a child of 'b' makes a loop/],
  ];
  for (const [name, text, message] of cases) {
    test(name, async () => {
      const dir = writeTree({ inv: text });
      const r = await tackleInventory(['-i', 'inv', '--list'], dir);
      assert.equal(r.code, 5);
      assert.match(r.stderr, message);
    });
  }

  test('an inventory plugin file is refused, naming the plugin', async () => {
    const dir = writeTree({ 'aws.yml': 'plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n' });
    const r = await tackleInventory(['-i', 'aws.yml', '--list'], dir);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /aws\.yml:1:9: inventory plugin 'amazon\.aws\.aws_ec2' is not supported/);
  });
});
