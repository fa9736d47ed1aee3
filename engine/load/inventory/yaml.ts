import { InputError, TackleError } from '../../errors.ts';
import { INVENTORY_SCHEMA, suggestion, validateAgainst, type SchemaProblem } from '../playbook-schema.ts';
import type { PathSegment, YamlSource } from '../yaml-source.ts';
import type { InventoryData } from './data.ts';
import { expandHostEntry } from './host-range.ts';
import { isPlainObject, kindOf } from '../../values.ts';

/** Ansible's YAML inventory: groups with `hosts`, `vars` and `children`; host keys may hold ranges. */

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
  if (p.path.length === 0) return `a YAML inventory must be a map of groups (e.g. all:), not ${kindOf(value)}`;
  return p.message;
}

export function parseYamlInventory(src: YamlSource, data: InventoryData, problems: InputError[]): void {
  if (src.ok && (src.value === null || (isPlainObject(src.value) && Object.keys(src.value).length === 0))) {
    problems.push(src.error([], 'the inventory is empty: it needs at least one group or host (e.g. all: {hosts: {web1: {}}})'));
  }
  const root = src.value ?? {};
  for (const p of validateAgainst(INVENTORY_SCHEMA, root, { where: 'in the inventory', skipTemplated: false })) {
    const pos = p.key !== undefined ? src.posOfKey(p.path, p.key) : src.posOf(p.path);
    problems.push(new InputError(pos, inventoryMessage(p, root)));
  }
  const guard = (path: PathSegment[], fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof TackleError)) throw error;
      problems.push(src.error(path, error.message));
    }
  };

  const walk = (name: string, body: unknown, path: PathSegment[]): void => {
    data.addGroup(name);
    if (!isPlainObject(body)) return;
    // Sections in the order they are written, as Ansible reads them (it decides host order).
    for (const [section, written] of Object.entries(body)) {
      const value = typeof written === 'string' && section !== 'vars' ? { [written]: null } : written;
      if (section === 'vars' && isPlainObject(value)) {
        for (const [k, v] of Object.entries(value)) guard([...path, 'vars', k], () => data.setGroupVar(name, k, v));
      } else if (section === 'children' && isPlainObject(value)) {
        for (const [child, childBody] of Object.entries(value)) {
          const childPath = [...path, 'children', child];
          if (child === name || data.ancestors(name).has(child)) {
            problems.push(src.error(childPath, `group '${child}' is its own ancestor`));
            continue;
          }
          walk(child, childBody, childPath);
          guard(childPath, () => data.addChild(name, child));
        }
      } else if (section === 'hosts' && isPlainObject(value)) {
        for (const [entry, vars] of Object.entries(value)) {
          guard([...path, 'hosts', entry], () => {
            const { hosts, port } = expandHostEntry(entry);
            for (const host of hosts) {
              const h = data.addHost(host, name, port, src.file);
              if (isPlainObject(vars)) Object.assign(h.vars, vars);
            }
          });
        }
      }
    }
  };
  if (isPlainObject(root)) for (const [name, body] of Object.entries(root)) walk(name, body, [name]);
}
