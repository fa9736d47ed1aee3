import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tackle } from '../helpers/cli.ts';
import { writeTree } from '../helpers/fixture-files.ts';

const FILES = {
  'inv.ini': "[web]\nw1 http_port=80 names=\"['a', 1]\" flag=True s=\"a b\"\nw2\n[web:vars]\ngv=1\n[db]\nd1\n[all:vars]\nx=1\n[prod:children]\nweb\ndb\n",
  'group_vars/db.yml': 'fromfile: {a: 1, b: [x, y]}\nnothing:\n',
};

// What ansible-inventory (ansible-core 2.14.18) printed for the same files.
const GRAPH_VARS = `@all:
  |--@ungrouped:
  |--@prod:
  |  |--@web:
  |  |  |--w1
  |  |  |  |--{flag = True}
  |  |  |  |--{gv = 1}
  |  |  |  |--{http_port = 80}
  |  |  |  |--{names = ['a', 1]}
  |  |  |  |--{s = a b}
  |  |  |  |--{x = 1}
  |  |  |--w2
  |  |  |  |--{gv = 1}
  |  |  |  |--{x = 1}
  |  |  |--{gv = 1}
  |  |--@db:
  |  |  |--d1
  |  |  |  |--{fromfile = {'a': 1, 'b': ['x', 'y']}}
  |  |  |  |--{nothing = None}
  |  |  |  |--{x = 1}
  |  |  |--{fromfile = {'a': 1, 'b': ['x', 'y']}}
  |  |  |--{nothing = None}
  |--{x = 1}
`;
const LIST_YAML = `all:
  children:
    prod:
      children:
        db:
          hosts:
            d1:
              fromfile:
                a: 1
                b:
                - x
                - y
              nothing: null
              x: 1
        web:
          hosts:
            w1:
              flag: true
              gv: 1
              http_port: 80
              names:
              - a
              - 1
              s: a b
              x: 1
            w2:
              gv: 1
              x: 1
    ungrouped: {}
`;

test('tackle inventory --graph --vars, --list --yaml and --host --yaml print what ansible-inventory prints', async () => {
  const dir = writeTree(FILES);
  const graph = await tackle(['inventory', '-i', 'inv.ini', '--graph', '--vars'], { cwd: dir });
  assert.equal(graph.code, 0, graph.stderr);
  assert.equal(graph.stdout, GRAPH_VARS);
  const web = await tackle(['inventory', '-i', 'inv.ini', '--graph', 'web', '--vars'], { cwd: dir });
  assert.equal(web.stdout, '@web:\n  |--w1\n  |  |--{flag = True}\n  |  |--{gv = 1}\n  |  |--{http_port = 80}\n  |  |--{names = [\'a\', 1]}\n  |  |--{s = a b}\n  |  |--{x = 1}\n  |--w2\n  |  |--{gv = 1}\n  |  |--{x = 1}\n  |--{gv = 1}\n');
  const list = await tackle(['inventory', '-i', 'inv.ini', '--list', '-y'], { cwd: dir });
  assert.equal(list.stdout, LIST_YAML);
  const host = await tackle(['inventory', '-i', 'inv.ini', '--host', 'w1', '--yaml'], { cwd: dir });
  assert.equal(host.stdout, 'flag: true\ngv: 1\nhttp_port: 80\nnames:\n- a\n- 1\ns: a b\nx: 1\n');
  const out = await tackle(['inventory', '-i', 'inv.ini', '--list', '--yaml', '--output', 'inventory.yml'], { cwd: dir });
  assert.equal(out.stdout, '');
  assert.equal(readFileSync(join(dir, 'inventory.yml'), 'utf8'), LIST_YAML);
});
