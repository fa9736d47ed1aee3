import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InputError } from '../../../engine/errors.ts';
import { loadInventory } from '../../../engine/load/inventory.ts';
import { hostPatternProblem, selectHosts } from '../../../engine/load/host-pattern.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

// Expected hosts recorded once with: ansible PATTERN -i inv.ini --list-hosts (ansible-core 2.14.18).
const RECORDED: [string, string[]][] = [
  ['web[0]', ['web1']],
  ['web[-1]', ['web5']],
  ['web[1:3]', ['web2', 'web3', 'web4']],
  ['web[3:]', ['web4', 'web5']],
  ['~web[24]', ['web2', 'web4']],
  ['~d', ['db1', 'db2']],
  ['web[0]:db[-1]', ['web1', 'db2']],
  ['web:&~web[1-3]', ['web1', 'web2', 'web3']],
];

test('subscripts and ~regex select the hosts ansible selects', () => {
  const dir = writeTree({ 'inv.ini': '[web]\nweb[1:5]\n[db]\ndb1\ndb2\n' });
  const problems: InputError[] = [];
  const inventory = loadInventory(join(dir, 'inv.ini'), problems);
  assert.deepEqual(problems, []);
  for (const [pattern, hosts] of RECORDED) {
    assert.equal(hostPatternProblem(pattern), undefined, pattern);
    assert.deepEqual(new Set(selectHosts(inventory, pattern)), new Set(hosts), pattern);
  }
  assert.match(hostPatternProblem('~web(') ?? '', /'~web\(' is not a valid regular expression/);
});
