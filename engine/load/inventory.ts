import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { Inventory, InventoryHost } from '../model.ts';
import { leafStrings } from '../secrets.ts';
import { InventoryData } from './inventory/data.ts';
import { isHostList, readInventorySource } from './inventory/sources.ts';
import { VarsFiles } from './inventory/vars-files.ts';
import { isPlainObject, kindOf } from '../values.ts';
import { YamlSource, type ReadOptions } from './yaml-source.ts';

/** Ansible-compatible inventories (INI, YAML, host lists, directories), plus group_vars/ and host_vars/. */

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

type Obj = Record<string, unknown>;

/** A vars file with this name holds nothing but secrets: every value in it is masked. */
export const SECRETS_FILE_NAME = /^secrets\.(ya?ml|json)$/;

/**
 * A YAML file that must hold a map of variables (vars_files, group_vars, host_vars, -e @file).
 * Every value of a vault-encrypted file, or of a file named secrets.yml/.yaml/.json, is secret.
 */
export function readVarsMap(file: string, problems: InputError[], displayName = file, opts: ReadOptions = {}): Obj {
  return readVarsSource(file, problems, displayName, opts).vars;
}

/** A vars file's map with its source (for positions of what is inside); no source when it could not be read. */
export function readVarsSource(file: string, problems: InputError[], displayName = file, opts: ReadOptions = {}): { vars: Obj; src?: YamlSource } {
  const src = YamlSource.read(file, displayName, opts);
  problems.push(...src.problems);
  if (src.value === undefined || src.value === null) return { vars: {} };
  if (!isPlainObject(src.value)) {
    problems.push(src.error([], `a variables file must hold a map of names to values, not ${kindOf(src.value)}`));
    return { vars: {} };
  }
  if (opts.secrets && (src.vaultEncrypted || SECRETS_FILE_NAME.test(basename(file)))) {
    for (const s of leafStrings(src.value)) opts.secrets.add(s);
  }
  return { vars: src.value, src };
}

export interface InventoryLoadOptions extends ReadOptions {
  /** group_vars/ and host_vars/ beside the playbook are read too (above those beside the inventory). */
  playbookDir?: string;
}

/**
 * One or more -i values (INI or YAML files, directories of them, "h1,h2," host lists), merged in
 * order, with group_vars/ and host_vars/ beside each source and beside the playbook. Variables are
 * merged per host as Ansible does: `all`, then each group by depth, ansible_group_priority and name,
 * then group_vars files (all first), then the host's own variables, then host_vars files.
 */
export function loadInventory(sources: string | string[], problems: InputError[], opts: InventoryLoadOptions = {}): Inventory {
  const list = typeof sources === 'string' ? [sources] : sources;
  const data = new InventoryData();
  for (const source of list) readInventorySource(source, data, problems, opts);
  try {
    data.reconcile();
  } catch (error) {
    problems.push(new InputError({ file: list.join(','), line: 1, col: 1 }, (error as Error).message));
  }

  const varsDirs = list.filter((s) => !isHostList(s) && existsSync(s)).map((s) => (statSync(s).isDirectory() ? s : dirname(s)));
  const playDirs = opts.playbookDir && !varsDirs.some((d) => resolve(d) === resolve(opts.playbookDir!)) ? [opts.playbookDir] : [];
  const fileCache = new Map<string, Obj>();
  const varsFiles = new VarsFiles();
  const varsOf = (dirs: string[], kind: 'group_vars' | 'host_vars', names: string[]): Obj => {
    const out: Obj = {};
    for (const dir of dirs) {
      for (const name of names) {
        for (const f of varsFiles.of(dir, kind, name)) {
          if (!fileCache.has(f)) fileCache.set(f, readVarsMap(f, problems, f, opts));
          Object.assign(out, fileCache.get(f));
        }
      }
    }
    return out;
  };

  const depth = data.depths();
  const hostOrder = [...data.hosts.keys()];
  const hosts = new Map<string, InventoryHost>();
  const memberships = new Map<string, string[]>();
  for (const name of hostOrder) {
    const memberOf = data.sortGroups(data.groupsOf(name), depth);
    const groups = memberOf.filter((g) => g !== 'all');
    memberships.set(name, memberOf);
    const vars: Obj = { ...data.groups.get('all')!.vars };
    for (const g of groups) Object.assign(vars, data.groups.get(g)!.vars);
    Object.assign(vars, varsOf(varsDirs, 'group_vars', ['all']), varsOf(playDirs, 'group_vars', ['all']));
    Object.assign(vars, varsOf(varsDirs, 'group_vars', groups), varsOf(playDirs, 'group_vars', groups));
    Object.assign(vars, data.hosts.get(name)!.vars);
    Object.assign(vars, varsOf(varsDirs, 'host_vars', [name]), varsOf(playDirs, 'host_vars', [name]));
    hosts.set(name, { name, vars, groups: memberOf });
  }

  const groupMap = new Map<string, string[]>();
  for (const g of data.sortGroups(data.groups.keys(), depth)) groupMap.set(g, hostOrder.filter((h) => memberships.get(h)!.includes(g)));
  const structure = new Map(
    [...data.groups].map(([name, g]) => [
      name,
      { hosts: [...g.hosts], children: [...g.children], vars: { ...g.vars, ...varsOf(varsDirs, 'group_vars', [name]), ...varsOf(playDirs, 'group_vars', [name]) } },
    ]),
  );
  return { file: list.join(','), hosts, groups: groupMap, structure };
}
