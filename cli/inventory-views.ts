import { stringify } from 'yaml';
import type { Inventory } from '../engine/model.ts';

type Vars = Record<string, unknown>;

/**
 * `ansible-inventory --graph [--vars]`: the group tree under `group`; with vars, each host's merged
 * variables under it and each group's own below its hosts, as `{name = value}` in Python's str().
 */
export function graphLines(inventory: Inventory, group: string, showVars: boolean, publicVars: (v: Vars) => Vars, depth = 0): string[] {
  const g = inventory.structure!.get(group)!;
  const line = (text: string, d: number): string => (d ? '  |'.repeat(d) + '--' + text : text);
  const varLines = (vars: Vars, d: number): string[] =>
    Object.keys(vars).sort(byCodePoint).map((k) => line(`{${k} = ${pythonStr(vars[k])}}`, d));
  const lines = [line(`@${group}:`, depth)];
  for (const child of g.children) lines.push(...graphLines(inventory, child, showVars, publicVars, depth + 1));
  if (group !== 'all') {
    for (const h of g.hosts) {
      lines.push(line(h, depth + 1));
      if (showVars) lines.push(...varLines(publicVars(inventory.hosts.get(h)?.vars ?? {}), depth + 2));
    }
  }
  if (showVars) lines.push(...varLines(publicVars(g.vars ?? {}), depth + 1));
  return lines;
}

/**
 * `ansible-inventory --list --yaml`: groups nested under `all` as an inventory file holds them,
 * each host's merged variables at its first appearance (later ones are empty), keys sorted.
 */
export function yamlInventory(inventory: Inventory, publicVars: (v: Vars) => Vars): string {
  const structure = inventory.structure ?? new Map();
  const seenGroups = new Set<string>();
  const seenHosts = new Set<string>();
  const format = (name: string): Vars => {
    const g = structure.get(name)!;
    const children: Vars = {};
    for (const child of g.children) {
      if (child === 'all') continue;
      if (seenGroups.has(child)) children[child] = {};
      else {
        seenGroups.add(child);
        children[child] = format(child);
      }
    }
    const hosts: Vars = {};
    if (name !== 'all') {
      for (const h of g.hosts) {
        hosts[h] = seenHosts.has(h) ? {} : publicVars(inventory.hosts.get(h)?.vars ?? {});
        seenHosts.add(h);
      }
    }
    return { ...(Object.keys(children).length ? { children } : {}), ...(Object.keys(hosts).length ? { hosts } : {}) };
  };
  return stringify({ all: format('all') }, { sortMapEntries: true, indentSeq: false });
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value as Python's str() prints it (what ansible-inventory's graph shows). */
function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return String(value);
}
