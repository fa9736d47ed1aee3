import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

// Hosts whose names a plain one-name-a-line file read as patterns would get wrong: an IPv6
// address (colons split patterns), a host named like a group, a name holding a line break.
const INVENTORY = `all:
  vars:
    ansible_connection: local
  hosts:
    "2001:db8::1":
    "evil\\nall":
    web:
    plain1:
  children:
    web:
      hosts:
        web1:
        web2:
`;
const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: fail where asked
      command:
        argv: ["{{ 'false' if inventory_hostname in failing else 'true' }}"]
`;
const ODD_HOSTS = ['2001:db8::1', 'evil\nall', 'web'];

async function run(dir: string, failing: string[], ...extra: string[]) {
  const result = await tackle(
    ['run', 'site.yml', '-i', 'hosts.yml', '--no-progress', '--report', 'report.json', '-e', JSON.stringify({ failing }), ...extra],
    { cwd: dir },
  );
  const hosts = Object.keys((JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { hosts: Record<string, unknown> }).hosts);
  return { ...result, hosts };
}

describe('retry file', () => {
  test('names IPv6, group-like and line-break host names so that --limit @FILE reads back exactly those hosts', async () => {
    const dir = writeTree({ 'hosts.yml': INVENTORY, 'site.yml': PLAYBOOK });
    const first = await run(dir, ODD_HOSTS);
    assert.equal(first.code, 2, first.stdout + first.stderr);
    assert.equal(readFileSync(join(dir, '.tackle-retry', 'site.retry'), 'utf8'), '2001:db8::1\n"evil\\nall"\nweb\n');

    const retry = await run(dir, [], '--limit', '@.tackle-retry/site.retry');
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.deepEqual(retry.hosts.sort(), [...ODD_HOSTS].sort());
  });

  test('a hand-written limit file still takes patterns; a quoted line is one host; bad quoting is an input error', async () => {
    const dir = writeTree({ 'hosts.yml': INVENTORY, 'site.yml': PLAYBOOK });
    writeFileSync(join(dir, 'patterns'), '# comment\nweb1:plain1\n"evil\\nall"\n');
    const patterns = await run(dir, [], '--limit', '@patterns');
    assert.equal(patterns.code, 0, patterns.stdout + patterns.stderr);
    assert.deepEqual(patterns.hosts.sort(), ['evil\nall', 'plain1', 'web1']);

    writeFileSync(join(dir, 'bad'), 'plain1\n  "unterminated\n');
    const bad = await tackle(['run', 'site.yml', '-i', 'hosts.yml', '-e', '{"failing": []}', '--limit', '@bad'], { cwd: dir });
    assert.equal(bad.code, 5, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /^bad:2:3: a quoted host name must be one JSON string/m);
  });

  test('an IPv6 address in --limit is one host, also after ! and beside other terms', async () => {
    const dir = writeTree({ 'hosts.yml': INVENTORY, 'site.yml': PLAYBOOK });
    const one = await run(dir, [], '--limit', '2001:db8::1');
    assert.deepEqual(one.hosts, ['2001:db8::1']);
    const without = await run(dir, [], '--limit', 'plain1,2001:db8::1', '--limit', '!2001:db8::1');
    assert.deepEqual(without.hosts, ['plain1']);
  });
});
