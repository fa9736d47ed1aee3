import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../../engine/errors.ts';
import { loadInventory } from '../../../engine/load/inventory.ts';
import { selectHosts } from '../../../engine/load/host-pattern.ts';
import { writeTree } from '../../helpers/fixture-files.ts';

const INVENTORY = `all:
  vars:
    level: all
    from_all: 1
  hosts:
    bastion:
      ansible_host: 10.0.0.1
  children:
    web:
      vars:
        level: web
      hosts:
        web1:
          ansible_port: 2222
        web2:
    db:
      vars:
        level: db
      children:
        db_primary:
          vars:
            level: db_primary
          hosts:
            db1:
              level: host
        db_replica:
          hosts:
            db2:
            web2:
`;

function load(files: Record<string, string>) {
  const dir = writeTree({ 'inventory.yml': INVENTORY, ...files });
  const problems: InputError[] = [];
  const inventory = loadInventory(join(dir, 'inventory.yml'), problems);
  return { inventory, problems, dir };
}

describe('inventory', () => {
  test('hosts, groups and children (any depth), in inventory order', () => {
    const { inventory, problems } = load({});
    assert.deepEqual(problems, []);
    assert.deepEqual([...inventory.hosts.keys()], ['bastion', 'web1', 'web2', 'db1', 'db2']);
    assert.deepEqual(inventory.groups.get('all'), ['bastion', 'web1', 'web2', 'db1', 'db2']);
    assert.deepEqual(inventory.groups.get('web'), ['web1', 'web2']);
    assert.deepEqual(inventory.groups.get('db'), ['web2', 'db1', 'db2']);
    assert.deepEqual(inventory.groups.get('db_replica'), ['web2', 'db2']);
    assert.deepEqual(inventory.groups.get('ungrouped'), ['bastion']);
    assert.deepEqual(inventory.hosts.get('web2')!.groups, ['all', 'db', 'web', 'db_replica']);
  });

  test('precedence: all < parent group < child group < host', () => {
    const { inventory } = load({});
    assert.equal(inventory.hosts.get('bastion')!.vars.level, 'all');
    assert.equal(inventory.hosts.get('web1')!.vars.level, 'web');
    assert.equal(inventory.hosts.get('db2')!.vars.level, 'db');
    assert.equal(inventory.hosts.get('db1')!.vars.level, 'host');
    assert.equal(inventory.hosts.get('web1')!.vars.ansible_port, 2222);
    assert.equal(inventory.hosts.get('db1')!.vars.from_all, 1);
  });

  test('group_vars files and dirs, host_vars: above inventory groups, host_vars above all', () => {
    const { inventory, problems } = load({
      'group_vars/all.yml': 'from_all: 2\nlevel: gv_all\n',
      'group_vars/web.yaml': 'level: gv_web\n',
      'group_vars/db/10-main.yml': 'level: gv_db\ndb_port: 5432\n',
      'group_vars/db/20-more.yml': 'db_port: 5433\n',
      'host_vars/db1.yml': 'level: hv_db1\n',
      'host_vars/web1.yml': 'ansible_user: deploy\n',
    });
    assert.deepEqual(problems, []);
    assert.equal(inventory.hosts.get('bastion')!.vars.level, 'gv_all');
    assert.equal(inventory.hosts.get('bastion')!.vars.from_all, 2);
    assert.equal(inventory.hosts.get('web1')!.vars.level, 'gv_web');
    assert.equal(inventory.hosts.get('web1')!.vars.ansible_user, 'deploy');
    assert.equal(inventory.hosts.get('db2')!.vars.level, 'gv_db');
    assert.equal(inventory.hosts.get('db2')!.vars.db_port, 5433);
    assert.equal(inventory.hosts.get('db1')!.vars.level, 'hv_db1');
  });

  test('validation: list as host, unknown group key, bad group_vars file, with positions', () => {
    const dir = writeTree({
      'inv.yml': 'all:\n  hosts:\n    web1: [a, b]\n  childrn:\n    x:\n',
      'group_vars/all.yml': '- not\n- a map\n',
    });
    const problems: InputError[] = [];
    loadInventory(join(dir, 'inv.yml'), problems);
    const inv = join(dir, 'inv.yml');
    assert.deepEqual(problems.map((p) => p.message), [
      `${inv}:4:3: unknown key 'childrn' in group 'all' (did you mean 'children'?)`,
      `${inv}:3:11: host 'web1' must be a map of variables (or empty), not a list`,
      `${join(dir, 'group_vars', 'all.yml')}:1:1: a variables file must hold a map of names to values, not a list`,
    ]);
  });

  test('a host named twice in one map is reported at the second name; merge keys may repeat', () => {
    const dir = writeTree({ 'inv.yml': 'all:\n  hosts:\n    web1:\n    web2:\n    web1:\n  vars:\n    <<: {a: 1}\n    <<: {b: 2}\n' });
    const problems: InputError[] = [];
    loadInventory(join(dir, 'inv.yml'), problems);
    assert.deepEqual(problems.map((p) => p.message), [`${join(dir, 'inv.yml')}:5:5: YAML syntax error: Map keys must be unique`]);
  });

  test('a YAML syntax error in the inventory is reported with its position', () => {
    const dir = writeTree({ 'inv.yml': 'all:\n  hosts:\n    web1: {a: 1\n' });
    const problems: InputError[] = [];
    loadInventory(join(dir, 'inv.yml'), problems);
    assert.deepEqual(problems.map((p) => p.message), [
      `${join(dir, 'inv.yml')}:4:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });
});

describe('host patterns', () => {
  const { inventory } = load({});
  const cases: [string, string[]][] = [
    ['all', ['bastion', 'web1', 'web2', 'db1', 'db2']],
    ['*', ['bastion', 'web1', 'web2', 'db1', 'db2']],
    ['web1', ['web1']],
    ['web', ['web1', 'web2']],
    ['db', ['web2', 'db1', 'db2']],
    ['web*', ['web1', 'web2']],
    ['db?', ['db1', 'db2']],
    ['db_*', ['web2', 'db1', 'db2']],
    ['db2:web1', ['web1', 'db2']],
    ['db2,bastion', ['bastion', 'db2']],
    ['web:&db', ['web2']],
    ['db:!web', ['db1', 'db2']],
    ['all:!db:!bastion', ['web1']],
    ['!web', ['bastion', 'db1', 'db2']],
    ['web:db:&db_replica:!db2', ['web2']],
    ['nosuchhost', []],
    ['nosuch*', []],
  ];
  for (const [pattern, expected] of cases) {
    test(pattern, () => assert.deepEqual(selectHosts(inventory, pattern), expected));
  }
});
