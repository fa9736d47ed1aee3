import { TackleError } from '../../errors.ts';

/**
 * Hosts and groups as the inventory sources define them, with Ansible's rules: every group hangs
 * under `all`, hosts in no group are `ungrouped`, a group's depth is its longest distance from
 * `all`, and `ansible_group_priority` orders groups of the same depth.
 */

export interface GroupData {
  name: string;
  vars: Record<string, unknown>;
  /** Direct members, in the order they were added. */
  hosts: string[];
  children: string[];
  parents: string[];
  priority: number;
}

export interface HostData {
  name: string;
  vars: Record<string, unknown>;
  /** The source file that first named the host. */
  source?: string;
}

export class InventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  /** The groups each host is a direct member of: membership checks stay constant-time at 100,000 hosts. */
  private readonly directGroups = new Map<string, Set<string>>();

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): GroupData {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { name, vars: {}, hosts: [], children: [], parents: [], priority: 1 }));
    return g;
  }

  addHost(name: string, group: string | undefined, port: number | undefined, source?: string): HostData {
    let h = this.hosts.get(name);
    if (!h) {
      refuseControlCharacters(name);
      this.hosts.set(name, (h = { name, vars: {}, ...(source ? { source } : {}) }));
      // As in Ansible, a port applies where the host is first named.
      if (port !== undefined) h.vars['ansible_port'] = port;
    }
    if (group !== undefined) {
      const g = this.addGroup(group);
      let direct = this.directGroups.get(name);
      if (!direct) this.directGroups.set(name, (direct = new Set()));
      if (!direct.has(group)) {
        direct.add(group);
        g.hosts.push(name);
      }
    }
    return h;
  }

  /** Makes `child` a sub-group of `parent`; refuses a loop. */
  addChild(parent: string, child: string): void {
    if (parent === child) throw new TackleError(`group '${child}' cannot be a child of itself`);
    const p = this.addGroup(parent);
    const c = this.addGroup(child);
    if (p.children.includes(child)) return;
    if (this.ancestors(parent).has(child)) throw new TackleError(`adding group '${child}' as a child of '${parent}' makes a loop (${child} is already an ancestor of ${parent})`);
    p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.addGroup(group);
    if (key === 'ansible_group_priority') {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new TackleError(`ansible_group_priority of group '${group}' must be a whole number, got '${String(value)}'`);
      g.priority = n;
    } else g.vars[key] = value;
  }

  ancestors(group: string): Set<string> {
    const out = new Set<string>();
    const todo = [...(this.groups.get(group)?.parents ?? [])];
    while (todo.length) {
      const g = todo.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      todo.push(...(this.groups.get(g)?.parents ?? []));
    }
    return out;
  }

  /** Ansible's reconcile step: root groups under `all`, group-less hosts into `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values()) if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    const ungrouped = this.groups.get('ungrouped')!;
    const leaving = new Set<string>();
    for (const h of this.hosts.keys()) {
      const groups = this.groupsOf(h);
      const others = [...groups].filter((g) => g !== 'all' && g !== 'ungrouped');
      if (groups.has('ungrouped') && others.length > 0) leaving.add(h);
      else if (others.length === 0 && !groups.has('ungrouped')) this.addHost(h, 'ungrouped', undefined);
    }
    if (leaving.size > 0) {
      ungrouped.hosts = ungrouped.hosts.filter((h) => !leaving.has(h));
      for (const h of leaving) this.directGroups.get(h)?.delete('ungrouped');
    }
  }

  /** Every group the host belongs to, directly or through children, `all` included. */
  groupsOf(host: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.directGroups.get(host) ?? []) {
      out.add(g);
      for (const a of this.ancestors(g)) out.add(a);
    }
    if (this.hosts.has(host)) out.add('all');
    return out;
  }

  /** Longest distance from `all`. */
  depths(): Map<string, number> {
    const depth = new Map<string, number>();
    const visit = (name: string, d: number): void => {
      if ((depth.get(name) ?? -1) >= d) return;
      depth.set(name, d);
      for (const child of this.groups.get(name)?.children ?? []) visit(child, d + 1);
    };
    visit('all', 0);
    for (const name of this.groups.keys()) if (!depth.has(name)) depth.set(name, 0);
    return depth;
  }

  /** Ansible's sort_groups: by depth, then priority, then name (by code point). */
  sortGroups(names: Iterable<string>, depth = this.depths()): string[] {
    return [...names].sort((a, b) => {
      const ga = this.groups.get(a)!;
      const gb = this.groups.get(b)!;
      return depth.get(a)! - depth.get(b)! || ga.priority - gb.priority || (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  /** Every host of the group and its descendants, the group's own first (Ansible's order). */
  hostsOf(group: string): string[] {
    const out = new Set<string>();
    const seen = new Set<string>();
    const walk = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const g = this.groups.get(name);
      if (!g) return;
      for (const h of g.hosts) out.add(h);
      for (const c of g.children) walk(c);
    };
    walk(group);
    return [...out];
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/**
 * Names are printed on every line of output and in the recap; a name from a generated inventory
 * must not be able to move the cursor or write the operator's clipboard. No real name has them.
 * A line break is let through, as Ansible does: it can only start a new line, and the retry
 * file quotes such a name so that --limit @FILE reads it back as one host.
 */
function refuseControlCharacters(name: string): void {
  if (CONTROL.test(name)) throw new TackleError(`host name ${JSON.stringify(name)} holds control characters (escape, bell, carriage return...), which no host name may hold`);
}
