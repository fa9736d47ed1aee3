import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import type { Inventory, InventoryHost } from '../model.ts';
import { leafStrings } from '../secrets.ts';
import { INVENTORY_SCHEMA, suggestion, validateAgainst, type SchemaProblem } from './playbook-schema.ts';
import { YamlSource, type PathSegment, type ReadOptions } from './yaml-source.ts';
import { isPlainObject, kindOf } from '../values.ts';

/** Ansible-compatible YAML inventory, plus group_vars/ and host_vars/ beside it. */

export const LOCAL_INVENTORY_FILE = '<implicit localhost>';

/** The inventory used without -i: just localhost, over the local connection. */
export function localInventory(): Inventory {
  const host: InventoryHost = { name: 'localhost', vars: { ansible_connection: 'local' }, groups: ['all', 'ungrouped'] };
  return {
    file: LOCAL_INVENTORY_FILE,
    hosts: new Map([['localhost', host]]),
    groups: new Map([
      ['all', ['localhost']],
      ['ungrouped', ['localhost']],
    ]),
  };
}

interface GroupInfo {
  vars: Record<string, unknown>;
  hosts: string[];
  children: string[];
  parents: Set<string>;
}

type Obj = Record<string, unknown>;

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) v = isPlainObject(v) || Array.isArray(v) ? (v as Obj)[seg as string] : undefined;
  return v;
}

/** Inventory-specific wording for the schema's complaints. */
function inventoryMessage(p: SchemaProblem, root: unknown): string {
  const parentKey = p.path.at(-2);
  const last = p.path.at(-1);
  if (p.key !== undefined) {
    const group = last === undefined ? undefined : String(last);
    if (group === undefined) return p.message;
    return `unknown key '${p.key}' in group '${group}'${suggestion(p.key, ['hosts', 'vars', 'children'])}`;
  }
  const value = valueAt(root, p.path);
  if (parentKey === 'hosts') return `host '${String(last)}' must be a map of variables (or empty), not ${kindOf(value)}`;
  if (parentKey === 'children' || p.path.length === 1) {
    return `group '${String(last)}' must be a map with hosts, vars, children (or empty), not ${kindOf(value)}`;
  }
  if (last === 'vars') return `vars of group '${String(parentKey)}' must be a map, not ${kindOf(value)}`;
  if (last === 'hosts' || last === 'children') return `${String(last)} of group '${String(parentKey)}' must be a map, not ${kindOf(value)}`;
  if (p.path.length === 0) return `an inventory must be a map of groups (e.g. all:), not ${kindOf(value)}`;
  return p.message;
}

/** Reads group_vars/NAME(.yml|.yaml|.json)? and group_vars/NAME/*; same for host_vars. */
function varsFilesFor(baseDir: string, kind: 'group_vars' | 'host_vars', name: string, problems: InputError[], opts: ReadOptions): Obj[] {
  const dir = join(baseDir, kind);
  const files: string[] = [];
  for (const ext of ['', '.yml', '.yaml', '.json']) {
    const f = join(dir, name + ext);
    if (existsSync(f) && statSync(f).isFile()) files.push(f);
  }
  const sub = join(dir, name);
  if (existsSync(sub) && statSync(sub).isDirectory()) {
    for (const entry of readdirSync(sub).sort()) {
      const f = join(sub, entry);
      if (/\.(ya?ml|json)$/.test(entry) && statSync(f).isFile()) files.push(f);
    }
  }
  return files.map((f) => readVarsMap(f, problems, f, opts));
}

/** A vars file with this name holds nothing but secrets: every value in it is masked. */
export const SECRETS_FILE_NAME = /^secrets\.(ya?ml|json)$/;

/**
 * A YAML file that must hold a map of variables (vars_files, group_vars, host_vars, -e @file).
 * Every value of a vault-encrypted file, or of a file named secrets.yml/.yaml/.json, is secret.
 */
export function readVarsMap(file: string, problems: InputError[], displayName = file, opts: ReadOptions = {}): Obj {
  const src = YamlSource.read(file, displayName, opts);
  problems.push(...src.problems);
  if (src.value === undefined || src.value === null) return {};
  if (!isPlainObject(src.value)) {
    problems.push(src.error([], `a variables file must hold a map of names to values, not ${kindOf(src.value)}`));
    return {};
  }
  if (opts.secrets && (src.vaultEncrypted || SECRETS_FILE_NAME.test(basename(file)))) {
    for (const s of leafStrings(src.value)) opts.secrets.add(s);
  }
  return src.value;
}

export function loadInventory(file: string, problems: InputError[], opts: ReadOptions = {}): Inventory {
  const src = YamlSource.read(file, file, opts);
  problems.push(...src.problems);
  if (src.ok && (src.value === null || (isPlainObject(src.value) && Object.keys(src.value).length === 0))) {
    problems.push(src.error([], 'the inventory is empty: it needs at least one group or host (e.g. all: {hosts: {web1: {}}})'));
  }
  const root = src.value ?? {};
  for (const p of validateAgainst(INVENTORY_SCHEMA, root, { where: 'in the inventory', skipTemplated: false })) {
    const pos = p.key !== undefined ? src.posOfKey(p.path, p.key) : src.posOf(p.path);
    problems.push(new InputError(pos, inventoryMessage(p, root)));
  }

  const groups = new Map<string, GroupInfo>();
  const hostOrder: string[] = [];
  const hostVars = new Map<string, Obj>();
  const group = (name: string): GroupInfo => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { vars: {}, hosts: [], children: [], parents: new Set() }));
    return g;
  };

  const walk = (name: string, body: unknown, parent: string | undefined, path: PathSegment[], ancestors: string[]): void => {
    const g = group(name);
    if (parent) {
      g.parents.add(parent);
      if (!group(parent).children.includes(name)) group(parent).children.push(name);
    }
    if (!isPlainObject(body)) return;
    if (isPlainObject(body.vars)) Object.assign(g.vars, body.vars);
    if (isPlainObject(body.hosts)) {
      for (const [host, vars] of Object.entries(body.hosts)) {
        if (!hostVars.has(host)) {
          hostOrder.push(host);
          hostVars.set(host, {});
        }
        if (!g.hosts.includes(host)) g.hosts.push(host);
        if (isPlainObject(vars)) Object.assign(hostVars.get(host)!, vars);
      }
    }
    if (isPlainObject(body.children)) {
      for (const [child, childBody] of Object.entries(body.children)) {
        if (child === name || ancestors.includes(child)) {
          problems.push(src.error([...path, 'children', child], `group '${child}' is its own ancestor`));
          continue;
        }
        walk(child, childBody, name, [...path, 'children', child], [...ancestors, name]);
      }
    }
  };
  group('all');
  if (isPlainObject(root)) {
    for (const [name, body] of Object.entries(root)) walk(name, body, name === 'all' ? undefined : 'all', [name], name === 'all' ? [] : ['all']);
  }

  const depth = groupDepths(groups);
  const orderGroups = (names: Iterable<string>): string[] =>
    [...names].sort((a, b) => depth.get(a)! - depth.get(b)! || (a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b)));

  const membersOf = new Map<string, Set<string>>();
  const collect = (name: string, trail: Set<string>): Set<string> => {
    const cached = membersOf.get(name);
    if (cached) return cached;
    const g = groups.get(name)!;
    const out = new Set(g.hosts);
    for (const child of g.children) if (!trail.has(child)) for (const h of collect(child, new Set([...trail, child]))) out.add(h);
    membersOf.set(name, out);
    return out;
  };
  const byInventoryOrder = (hosts: Set<string>): string[] => hostOrder.filter((h) => hosts.has(h));

  const groupMap = new Map<string, string[]>();
  for (const name of orderGroups(groups.keys())) groupMap.set(name, byInventoryOrder(collect(name, new Set([name]))));
  groupMap.set('all', [...hostOrder]);
  const grouped = new Set([...groupMap].filter(([g]) => g !== 'all' && g !== 'ungrouped').flatMap(([, hs]) => hs));
  groupMap.set('ungrouped', [...new Set([...(groupMap.get('ungrouped') ?? []), ...hostOrder.filter((h) => !grouped.has(h))])]);

  const baseDir = dirname(file);
  const groupFiles = new Map<string, Obj[]>();
  const filesOfGroup = (g: string): Obj[] => {
    if (!groupFiles.has(g)) groupFiles.set(g, varsFilesFor(baseDir, 'group_vars', g, problems, opts));
    return groupFiles.get(g)!;
  };

  const hosts = new Map<string, InventoryHost>();
  for (const name of hostOrder) {
    const memberOf = orderGroups([...groupMap].filter(([, hs]) => hs.includes(name)).map(([g]) => g));
    const vars: Obj = {};
    for (const g of memberOf) Object.assign(vars, groups.get(g)?.vars);
    for (const g of memberOf) for (const f of filesOfGroup(g)) Object.assign(vars, f);
    Object.assign(vars, hostVars.get(name));
    for (const f of varsFilesFor(baseDir, 'host_vars', name, problems, opts)) Object.assign(vars, f);
    hosts.set(name, { name, vars, groups: memberOf });
  }
  return { file, hosts, groups: groupMap };
}

/** Longest distance from `all`: parents get merged before children. */
function groupDepths(groups: Map<string, GroupInfo>): Map<string, number> {
  const depth = new Map<string, number>();
  for (const name of groups.keys()) depth.set(name, 0);
  if (!groups.has('ungrouped')) depth.set('ungrouped', 1);
  // Relax at most |groups| times: enough for any acyclic hierarchy, bounded for cyclic ones.
  for (let round = 0; round < groups.size; round++) {
    let changed = false;
    for (const [name, g] of groups) {
      for (const child of g.children) {
        if (depth.get(child)! < depth.get(name)! + 1) {
          depth.set(child, depth.get(name)! + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return depth;
}
