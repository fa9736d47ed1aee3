import { isMap, isPair, isScalar, LineCounter, parseDocument, stringify } from 'yaml';

/**
 * Deterministic generators of malformed playbooks, inventories and vars files, each with the
 * exact outcome the CLI must give. Files are named site.yml, hosts.yml and vars.yml in a case's dir.
 */

export const DIRECTORY = Symbol('directory');
export type FileBody = string | Buffer | typeof DIRECTORY;

export type Expect =
  /** validate and run exit 5; every problem is FILE:LINE:COL, one of them in `file` (at `line`/`col` when given). */
  | { kind: 'invalid'; file: string; line?: number[]; col?: number; message: RegExp }
  /** Only known per host: validate exits 0, run exits 2 with the task failed and its FILE:LINE:COL. */
  | { kind: 'task-fails'; file: string; line: number; message: RegExp }
  /** Accepted: validate and run exit 0 (the playbook has no task, so no host is contacted). */
  | { kind: 'valid' };

export interface FuzzCase {
  name: string;
  files: Record<string, FileBody>;
  /** -e values; "@FILE" names a file of the case. */
  extraVars?: string[];
  /** Omitted: the case's hosts.yml (the default inventory is written unless the case has its own). */
  noInventory?: boolean;
  expect: Expect;
}

/** mulberry32: small, fast, good enough to pick offsets and values reproducibly. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const word = (n = int(3, 10)): string => Array.from({ length: n }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
  return { next, int, pick, word };
}

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  word(n?: number): string;
}

export function inventoryYaml(port: number): string {
  const host = `{ansible_host: 127.0.0.1, ansible_port: ${port}}`;
  return `all:\n  vars:\n    ansible_user: root\n  hosts:\n    web1: ${host}\n    web2: ${host}\n  children:\n    db:\n      hosts:\n        db1: ${host}\n`;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

// ---- truncated YAML --------------------------------------------------------------------------

/**
 * Every proper prefix of these is invalid: the first task notifies a handler whose name ends the
 * file, and `hosts` comes late, so a cut anywhere leaves a missing key, a dangling notify or a syntax error.
 */
const TRUNCATION_BASES = [
  `- tasks:
    - notify: restart app
      name: write config
      writeConfig:
        path: /srv/app/config.yaml
        content:
          listen: "0.0.0.0:8080"
          users: [alice, bob]
          db: {host: db1, port: 5432}
    - name: run migration
      command:
        argv: [/usr/bin/migrate, --to, "{{ version | default('latest') }}"]
        creates: /srv/app/.migrated
      when: inventory_hostname in groups['db']
      register: migrated
      tags: [db, 'migrate']
    - name: "quoted: name with # and 'quotes'"
      command: {argv: [echo, "multi\\nline"], chdir: /tmp}
  vars:
    version: "1.2"
    list: &anchor [1, 2, 3]
    copy: *anchor
    text: |
      a block scalar
      with two lines
  name: site
  hosts: web1,web2
  handlers:
    - command:
        argv: [systemctl, restart, app]
      name: restart app`,
  `- tasks: [{notify: [reload proxy], name: conf, writeConfig: {path: /etc/proxy.conf, text: 'upstream {{ inventory_hostname }}'}}]
  serial: [1, "50%"]
  tags: proxy
  any_errors_fatal: true
  hosts: all:!db
  handlers:
    - name: unused
      command: {argv: ["true"]}
    - command: {argv: [systemctl, reload, proxy]}
      name: reload proxy`,
];

function truncated(rng: Rng, count: number): FuzzCase[] {
  return Array.from({ length: count }, (_, i) => {
    const base = TRUNCATION_BASES[i % TRUNCATION_BASES.length]!;
    const cut = rng.int(0, base.length - 2);
    return { name: `truncated playbook at ${cut}`, files: { 'site.yml': base.slice(0, cut) }, expect: { kind: 'invalid', file: 'site.yml', message: /./ } };
  });
}

/** Flow-style documents: any cut but the empty one leaves an unclosed bracket or quote. */
function truncatedFlow(rng: Rng, count: number, port: number): FuzzCase[] {
  const vars = `{version: "1.2", users: [alice, bob, {name: 'carol', groups: [a, b]}], db: {host: db1, port: 5432}}`;
  const inventory = `{all: {hosts: {web1: {ansible_host: 127.0.0.1, ansible_port: ${port}}}, children: {db: {hosts: {db1: {ansible_port: ${port}}}}}}}`;
  return Array.from({ length: count }, (_, i) => {
    const asInventory = i % 2 === 1;
    const text = asInventory ? inventory : vars;
    const cut = rng.int(1, text.length - 2);
    const files: Record<string, FileBody> = asInventory
      ? { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': text.slice(0, cut) }
      : { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': text.slice(0, cut) };
    return { name: `truncated flow ${asInventory ? 'inventory' : 'vars file'} at ${cut}`, files, expect: { kind: 'invalid', file: asInventory ? 'hosts.yml' : 'vars.yml', message: /YAML syntax error/ } };
  });
}

const MINIMAL_PLAYBOOK = `- hosts: web1\n  tasks: []\n`;

// ---- wrong types at random paths ---------------------------------------------------------------

type Path = (string | number)[];

function basePlaybook(): unknown[] {
  return [
    {
      name: 'site',
      hosts: 'web1',
      vars: { v: 1 },
      serial: 1,
      forks: 2,
      any_errors_fatal: false,
      strategy: 'linear',
      tasks: [
        {
          name: 'cfg',
          writeConfig: { path: '/srv/a.yaml', content: { a: 1 }, mode: '0644', createDirs: true },
          tags: ['cfg'],
          register: 'cfg_result',
          retries: 2,
          ignore_errors: false,
          no_log: false,
          when: 'v == 1',
        },
        { name: 'cmd', command: { argv: ['echo', 'hi'], creates: '/tmp/x' } },
      ],
    },
  ];
}

type Kind = 'number' | 'string' | 'list' | 'map' | 'bool' | 'fraction' | 'negative' | 'empty';

const WRONG: { path: Path; kinds: Kind[] }[] = [
  { path: [], kinds: ['map', 'string', 'number'] },
  { path: [0], kinds: ['string', 'number', 'list', 'bool'] },
  { path: [0, 'hosts'], kinds: ['map', 'number', 'bool'] },
  { path: [0, 'tasks'], kinds: ['map', 'string', 'number'] },
  { path: [0, 'vars'], kinds: ['list', 'string', 'number'] },
  { path: [0, 'serial'], kinds: ['map', 'bool', 'string', 'negative'] },
  { path: [0, 'forks'], kinds: ['string', 'list', 'map', 'fraction', 'negative'] },
  { path: [0, 'any_errors_fatal'], kinds: ['string', 'list', 'number'] },
  { path: [0, 'strategy'], kinds: ['string', 'number', 'map'] },
  { path: [0, 'tasks', 0], kinds: ['string', 'number', 'list'] },
  { path: [0, 'tasks', 0, 'name'], kinds: ['list', 'map', 'number'] },
  { path: [0, 'tasks', 0, 'register'], kinds: ['number', 'list', 'map'] },
  { path: [0, 'tasks', 0, 'retries'], kinds: ['string', 'list', 'map', 'fraction', 'negative'] },
  { path: [0, 'tasks', 0, 'no_log'], kinds: ['string', 'list', 'number'] },
  { path: [0, 'tasks', 0, 'ignore_errors'], kinds: ['string', 'list', 'map'] },
  { path: [0, 'tasks', 0, 'when'], kinds: ['map', 'number'] },
  { path: [0, 'tasks', 0, 'tags'], kinds: ['map', 'number'] },
  { path: [0, 'tasks', 0, 'writeConfig'], kinds: ['number', 'list', 'bool'] },
  { path: [0, 'tasks', 0, 'writeConfig', 'path'], kinds: ['number', 'list', 'map', 'bool', 'empty'] },
  { path: [0, 'tasks', 0, 'writeConfig', 'mode'], kinds: ['list', 'map', 'bool'] },
  { path: [0, 'tasks', 0, 'writeConfig', 'createDirs'], kinds: ['string', 'list', 'number'] },
  { path: [0, 'tasks', 1, 'command'], kinds: ['number', 'list'] },
  { path: [0, 'tasks', 1, 'command', 'argv'], kinds: ['number', 'map', 'string', 'empty'] },
  { path: [0, 'tasks', 1, 'command', 'creates'], kinds: ['number', 'list', 'map'] },
];

function wrongValue(rng: Rng, kind: Kind): unknown {
  switch (kind) {
    case 'number':
      return rng.int(-1000, 100000);
    case 'string':
      return `not-${rng.word()}`;
    case 'list':
      return Array.from({ length: rng.int(1, 3) }, () => rng.pick([rng.word(), rng.int(0, 9), { k: rng.word() }]));
    case 'map':
      return { [`k${rng.word()}`]: rng.pick([rng.word(), rng.int(0, 9), [1, 2]]) };
    case 'bool':
      return rng.next() < 0.5;
    case 'fraction':
      return rng.int(1, 99) + 0.5;
    case 'negative':
      return -rng.int(1, 1000);
    case 'empty':
      return rng.pick(['', []]);
  }
}

function setAt(root: unknown[], path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  let node: Record<string | number, unknown> = root as unknown as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return root;
}

/** Lines the loader may point at for the node at `path`: its key's line and its own first line. */
function linesOf(text: string, path: Path): number[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: false });
  if (path.length === 0) return [1];
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  const lines = new Set<number>();
  if (node?.range) lines.add(lc.linePos(node.range[0]).line);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path.at(-1));
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (keyRange) lines.add(lc.linePos(keyRange[0]).line);
  }
  return [...lines];
}

function wrongTypes(rng: Rng, count: number): FuzzCase[] {
  return Array.from({ length: count }, () => {
    const spot = rng.pick(WRONG);
    const kind = rng.pick(spot.kinds);
    const doc = setAt(basePlaybook(), spot.path, wrongValue(rng, kind));
    const text = stringify(doc);
    return {
      name: `wrong type ${kind} at ${JSON.stringify(spot.path)}`,
      files: { 'site.yml': text },
      expect: { kind: 'invalid', file: 'site.yml', line: linesOf(text, spot.path), message: /./ },
    };
  });
}

// ---- unknown keys --------------------------------------------------------------------------

const KEY_SPOTS: { file: 'site.yml' | 'hosts.yml'; path: Path }[] = [
  { file: 'site.yml', path: [0] },
  { file: 'site.yml', path: [0, 'tasks', 0] },
  { file: 'site.yml', path: [0, 'tasks', 1] },
  { file: 'site.yml', path: [0, 'tasks', 0, 'writeConfig'] },
  { file: 'site.yml', path: [0, 'tasks', 1, 'command'] },
  { file: 'hosts.yml', path: ['all'] },
  { file: 'hosts.yml', path: ['all', 'children', 'db'] },
];

function unknownKeys(rng: Rng, count: number, port: number): FuzzCase[] {
  return Array.from({ length: count }, () => {
    const spot = rng.pick(KEY_SPOTS);
    const key = `zz${rng.word()}`;
    const value = rng.pick([rng.word(), rng.int(0, 99), [rng.word()], { a: rng.word() }, null]);
    const files: Record<string, FileBody> = {};
    if (spot.file === 'site.yml') {
      const doc = basePlaybook();
      const target = spot.path.reduce<unknown>((n, seg) => (n as Record<string | number, unknown>)[seg], doc) as Record<string, unknown>;
      target[key] = value;
      files['site.yml'] = stringify(doc);
    } else {
      const doc = parseDocument(inventoryYaml(port)).toJS() as Record<string, unknown>;
      const target = spot.path.reduce<unknown>((n, seg) => (n as Record<string | number, unknown>)[seg], doc) as Record<string, unknown>;
      target[key] = value;
      files['site.yml'] = MINIMAL_PLAYBOOK;
      files['hosts.yml'] = stringify(doc);
    }
    const text = files[spot.file] as string;
    const at = text.indexOf(`${key}:`);
    return {
      name: `unknown key ${key} in ${spot.file} at ${JSON.stringify(spot.path)}`,
      files,
      expect: { kind: 'invalid', file: spot.file, line: [lineCol(text, at).line], col: lineCol(text, at).col, message: new RegExp(`unknown .*'${key}'`) },
    };
  });
}

// ---- huge strings, deep nesting, alias bombs -------------------------------------------------

const MB = 1024 * 1024;

function hugeStrings(rng: Rng): FuzzCase[] {
  const huge = (): string => rng.word(16).repeat(MB / 16);
  const pb = (task: string): string => `- hosts: web1\n  tasks:\n    - name: t\n${task}`;
  return [
    { name: '1 MB unknown task key', files: { 'site.yml': pb(`      ${huge()}: 1\n      command: {argv: [x]}\n`) }, expect: { kind: 'invalid', file: 'site.yml', line: [4], message: /unknown task key/ } },
    { name: '1 MB unknown task type', files: { 'site.yml': pb(`      ${huge()}: {a: 1}\n`) }, expect: { kind: 'invalid', file: 'site.yml', line: [4], message: /unknown task type/ } },
    { name: '1 MB retries', files: { 'site.yml': pb(`      retries: "${huge()}"\n      command: {argv: [x]}\n`) }, expect: { kind: 'invalid', file: 'site.yml', line: [4], message: /retries/ } },
    { name: '1 MB notify', files: { 'site.yml': pb(`      notify: "${huge()}"\n      command: {argv: [x]}\n`) }, expect: { kind: 'invalid', file: 'site.yml', line: [4], message: /no handler named/ } },
    { name: '1 MB bad host pattern', files: { 'site.yml': `- hosts: "web[z-a]${huge()}"\n  tasks: []\n` }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /host pattern/ } },
    { name: '1 MB unterminated quote', files: { 'site.yml': `- hosts: web1\n  vars:\n    x: "${huge()}\n  tasks: []\n` }, expect: { kind: 'invalid', file: 'site.yml', message: /YAML syntax error/ } },
    { name: '1 MB argv element of the wrong type', files: { 'site.yml': pb(`      command: {argv: [{"${huge()}": 1}]}\n`) }, expect: { kind: 'invalid', file: 'site.yml', line: [4], message: /argv/ } },
    {
      name: '5 MB vars file',
      files: { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': `x: ${huge()}${huge()}${huge()}${huge()}${huge()}\n` },
      expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: /file is too large/ },
    },
  ];
}

const DEPTH = 10_000;

function deepNesting(): FuzzCase[] {
  const flowSeq = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const flowMap = '{a: '.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
  const blockSeq = '- '.repeat(DEPTH) + 'x';
  let stairs = '';
  for (let i = 0; i < 2000; i++) stairs += ' '.repeat(i) + 'a:\n';
  const deepMessage = /nested more than 256 levels/;
  const withVarsFile = (body: string): Record<string, FileBody> => ({ 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': body });
  return [
    { name: 'deep flow list in a vars file', files: withVarsFile(`deep: ${flowSeq}\n`), expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: deepMessage } },
    { name: 'deep flow map in a vars file', files: withVarsFile(`deep: ${flowMap}\n`), expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: deepMessage } },
    { name: 'deep block list in a vars file', files: withVarsFile(`deep:\n${blockSeq}\n`), expect: { kind: 'invalid', file: 'vars.yml', line: [2], message: deepMessage } },
    { name: 'deep indentation in a vars file', files: withVarsFile(stairs), expect: { kind: 'invalid', file: 'vars.yml', message: deepMessage } },
    { name: 'deep value in the playbook', files: { 'site.yml': `- hosts: web1\n  vars: {deep: ${flowSeq}}\n  tasks: []\n` }, expect: { kind: 'invalid', file: 'site.yml', line: [2], message: deepMessage } },
    { name: 'deep playbook', files: { 'site.yml': blockSeq }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: deepMessage } },
    {
      name: 'deep host vars in the inventory',
      files: { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': `all:\n  hosts:\n    web1: {deep: ${flowMap}}\n` },
      expect: { kind: 'invalid', file: 'hosts.yml', line: [3], message: deepMessage },
    },
    { name: 'deep inline -e', files: { 'site.yml': MINIMAL_PLAYBOOK }, extraVars: [`{deep: ${flowSeq}}`], expect: { kind: 'invalid', file: '-e #1', line: [1], message: deepMessage } },
    { name: 'deep -e @file', files: { 'site.yml': MINIMAL_PLAYBOOK, 'vars.yml': `deep: ${flowMap}\n` }, extraVars: ['@vars.yml'], expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: deepMessage } },
  ];
}

function laughs(levels: number, fanout: number): string {
  let text = `l0: &l0 [${Array(fanout).fill('"lol"').join(', ')}]\n`;
  for (let i = 1; i < levels; i++) text += `l${i}: &l${i} [${Array(fanout).fill(`*l${i - 1}`).join(', ')}]\n`;
  return text;
}

function aliasBombs(): FuzzCase[] {
  const bomb = laughs(10, 10);
  const indented = bomb.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
  const mergeBomb = `a: &a {x: 1, y: 2}\n${Array.from({ length: 8 }, (_, i) => `m${i + 1}: &m${i + 1} {<<: [${Array(10).fill(i === 0 ? '*a' : `*m${i}`).join(', ')}]}`).join('\n')}\n`;
  const message = /too many YAML alias expansions/;
  return [
    { name: 'billion laughs in a vars file', files: { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': bomb }, expect: { kind: 'invalid', file: 'vars.yml', message } },
    { name: 'billion laughs in playbook vars', files: { 'site.yml': `- hosts: web1\n  tasks: []\n  vars:\n${indented}` }, expect: { kind: 'invalid', file: 'site.yml', message } },
    { name: 'billion laughs in the inventory', files: { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': `all:\n  vars:\n${indented}` }, expect: { kind: 'invalid', file: 'hosts.yml', message } },
    { name: 'billion laughs in -e @file', files: { 'site.yml': MINIMAL_PLAYBOOK, 'vars.yml': bomb }, extraVars: ['@vars.yml'], expect: { kind: 'invalid', file: 'vars.yml', message } },
    { name: 'merge-key bomb', files: { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': mergeBomb }, expect: { kind: 'invalid', file: 'vars.yml', message } },
  ];
}

// ---- host patterns, templates ----------------------------------------------------------------

const BAD_PATTERNS = ['web[z-a]', 'db:web[9-0]*', '&', '!', ':', ',', ' , ', 'web:&', 'web1,!', '! , &', '[b-a]'];

function badHostPatterns(rng: Rng, count: number): FuzzCase[] {
  return Array.from({ length: count }, () => {
    const pattern = rng.pick(BAD_PATTERNS);
    const asList = rng.next() < 0.3 && !/[,:]/.test(pattern);
    const hosts = asList ? `[web1, ${JSON.stringify(pattern)}]` : JSON.stringify(pattern);
    return {
      name: `bad host pattern ${hosts}`,
      files: { 'site.yml': `- name: p\n  hosts: ${hosts}\n  tasks: []\n` },
      expect: { kind: 'invalid', file: 'site.yml', line: [2], message: /host pattern/ },
    };
  });
}

function templates(rng: Rng, count: number): FuzzCase[] {
  // A variable nothing defines is found before any host (at its string); a recursive definition only when rendered.
  const notDefined = (n: string): RegExp => new RegExp(`variable '${n}' is not defined`);
  const shapes: ((name: string) => { body: string; message: RegExp; atLoad: boolean })[] = [
    (n) => ({ body: `      command: {argv: [echo, "{{ ${n} }}"]}\n`, message: notDefined(n), atLoad: true }),
    (n) => ({ body: `      when: ${n} == 1\n      command: {argv: ["true"]}\n`, message: notDefined(n), atLoad: true }),
    (n) => ({ body: `      writeConfig: {path: "/srv/{{ ${n}.sub }}", text: x}\n`, message: notDefined(n), atLoad: true }),
    (n) => ({ body: `      command: {argv: [echo, "{{ rec_${n} }}"]}\n`, message: /recursive variable definition/, atLoad: false }),
    (n) => ({ body: `      command: {argv: [echo, "x{{ self_${n} }}"]}\n`, message: /recursive variable definition/, atLoad: false }),
    (n) => ({ body: `      writeConfig: {path: /srv/a, text: "{{ ${n} | mandatory }}"}\n`, message: notDefined(n), atLoad: true }),
  ];
  return Array.from({ length: count }, (_, i) => {
    const name = `undef_${rng.word()}`;
    const { body, message, atLoad } = shapes[i % shapes.length]!(name);
    const vars = `  vars:\n    rec_${name}: "{{ other_${name} }}"\n    other_${name}: "{{ rec_${name} }}"\n    self_${name}: "{{ self_${name} }}!"\n`;
    return {
      name: `template ${i % shapes.length} with ${name}`,
      files: { 'site.yml': `- hosts: web1\n${vars}  tasks:\n    - name: uses ${name}\n${body}` },
      expect: atLoad ? { kind: 'invalid', file: 'site.yml', line: [8], message } : { kind: 'task-fails', file: 'site.yml', line: 7, message },
    };
  });
}

function loadTimeTemplates(rng: Rng, count: number): FuzzCase[] {
  return Array.from({ length: count }, () => {
    const name = `undef_${rng.word()}`;
    return {
      name: `vars_files name uses ${name}`,
      files: { 'site.yml': `- hosts: web1\n  vars_files:\n    - "{{ ${name} }}/vars.yml"\n  tasks: []\n` },
      expect: { kind: 'invalid', file: 'site.yml', line: [3], message: new RegExp(`cannot resolve vars file name: undefined variable '${name}'`) },
    };
  });
}

// ---- bytes: invalid UTF-8, NUL ----------------------------------------------------------------

const INVALID_UTF8 = [[0xff], [0xfe], [0x80], [0xc3], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf0, 0x80, 0x80, 0x80]];

function byteCases(rng: Rng, count: number, port: number, kind: 'utf8' | 'nul'): FuzzCase[] {
  const targets: [string, string][] = [
    ['site.yml', stringify(basePlaybook())],
    ['hosts.yml', inventoryYaml(port)],
    ['vars.yml', 'version: "1.2"\nusers: [alice, bob]\ndb:\n  host: db1\n'],
  ];
  return Array.from({ length: count }, () => {
    const [file, text] = rng.pick(targets);
    const at = rng.int(0, text.length);
    const bad = kind === 'nul' ? [0] : rng.pick(INVALID_UTF8);
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]);
    const files: Record<string, FileBody> = { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n`, 'vars.yml': 'a: 1\n' };
    files[file] = bytes;
    const { line, col } = lineCol(text, at);
    return {
      name: `${kind === 'nul' ? 'NUL' : 'invalid UTF-8'} ${Buffer.from(bad).toString('hex')} in ${file} at ${at}`,
      files,
      expect: { kind: 'invalid', file, line: [line], col, message: kind === 'nul' ? /NUL byte/ : /invalid UTF-8/ },
    };
  });
}

// ---- empty files, directories, odd documents ----------------------------------------------------

function oddFiles(): FuzzCase[] {
  const withVars: Record<string, FileBody> = { 'site.yml': `- hosts: web1\n  vars_files: [vars.yml]\n  tasks: []\n` };
  return [
    { name: 'empty playbook', files: { 'site.yml': '' }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /a playbook must be a list of plays, not empty/ } },
    { name: 'blank playbook', files: { 'site.yml': '\n\n   \n' }, expect: { kind: 'invalid', file: 'site.yml', message: /a playbook must be a list of plays/ } },
    { name: 'comment-only playbook', files: { 'site.yml': '# nothing here\n' }, expect: { kind: 'invalid', file: 'site.yml', message: /a playbook must be a list of plays/ } },
    { name: 'empty inventory', files: { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': '' }, expect: { kind: 'invalid', file: 'hosts.yml', line: [1], message: /the inventory is empty/ } },
    { name: 'inventory {}', files: { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': '{}\n' }, expect: { kind: 'invalid', file: 'hosts.yml', line: [1], message: /the inventory is empty/ } },
    { name: 'empty vars file (accepted, as in Ansible)', files: { ...withVars, 'vars.yml': '' }, expect: { kind: 'valid' } },
    { name: 'playbook is a directory', files: { 'site.yml': DIRECTORY }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /it is a directory/ } },
    { name: 'inventory is a directory', files: { 'site.yml': MINIMAL_PLAYBOOK, 'hosts.yml': DIRECTORY }, expect: { kind: 'invalid', file: 'hosts.yml', line: [1], message: /it is a directory/ } },
    { name: 'vars file is a directory', files: { ...withVars, 'vars.yml': DIRECTORY }, expect: { kind: 'invalid', file: 'site.yml', line: [2], message: /it is a directory/ } },
    { name: '-e @directory', files: { 'site.yml': MINIMAL_PLAYBOOK, 'vars.yml': DIRECTORY }, extraVars: ['@vars.yml'], expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: /it is a directory/ } },
    { name: 'missing playbook', files: {}, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /file not found/ } },
    { name: 'two documents', files: { 'site.yml': `${MINIMAL_PLAYBOOK}---\n${MINIMAL_PLAYBOOK}` }, expect: { kind: 'invalid', file: 'site.yml', message: /YAML syntax error/ } },
    { name: 'duplicate keys', files: { 'site.yml': `- hosts: web1\n  hosts: web2\n  tasks: []\n` }, expect: { kind: 'invalid', file: 'site.yml', line: [2], message: /unique/ } },
    { name: 'tab indentation', files: { 'site.yml': `- hosts: web1\n\ttasks: []\n` }, expect: { kind: 'invalid', file: 'site.yml', line: [2], message: /YAML syntax error/ } },
    { name: 'a scalar playbook', files: { 'site.yml': 'hello\n' }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /a playbook must be a list of plays, not a string/ } },
    { name: 'vars file holding a list', files: { ...withVars, 'vars.yml': '- a\n- b\n' }, expect: { kind: 'invalid', file: 'vars.yml', line: [1], message: /must hold a map/ } },
    { name: 'import cycle', files: { 'site.yml': '- import_playbook: site.yml\n' }, expect: { kind: 'invalid', file: 'site.yml', line: [1], message: /import cycle/ } },
  ];
}

/** Every case, in a fixed order for one seed. */
export function allFuzzCases(seed: number, port: number): FuzzCase[] {
  const rng = prng(seed);
  return [
    ...truncated(rng, 700),
    ...truncatedFlow(rng, 250, port),
    ...wrongTypes(rng, 450),
    ...unknownKeys(rng, 300, port),
    ...hugeStrings(rng),
    ...deepNesting(),
    ...aliasBombs(),
    ...badHostPatterns(rng, 100),
    ...templates(rng, 120),
    ...loadTimeTemplates(rng, 20),
    ...byteCases(rng, 100, port, 'utf8'),
    ...byteCases(rng, 60, port, 'nul'),
    ...oddFiles(),
  ];
}
